"""Shared fixtures: the Sonar data from ``../shared/data`` (skipped when absent)."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SONAR = Path(
    os.environ.get(
        "DROPOUTMLP_SONAR",
        Path(__file__).resolve().parents[1].parent / "shared" / "data" / "sonar.csv",
    )
)


@pytest.fixture(scope="session")
def sonar_path() -> Path:
    """Path of sonar.csv; skips the test when the file is not there."""
    if not SONAR.is_file():
        pytest.skip(
            f"Sonar data not found at {SONAR}: put sonar.csv in ../shared/data "
            "or set DROPOUTMLP_SONAR to its path."
        )
    return SONAR


@pytest.fixture(scope="session")
def sonar(sonar_path):
    """(X, y) of Sonar: 208 x 60 floats and the 'M'/'R' labels."""
    import numpy as np

    raw = np.genfromtxt(sonar_path, delimiter=",", dtype=str)
    return raw[:, :-1].astype(float), raw[:, -1]


@pytest.fixture(params=["xla", "graph"])
def engine(request):
    """The name of each of the engine's own programs in turn ("xla", "graph"),
    for the test to pass as ``engine=``."""
    return request.param


@pytest.fixture
def no_training(monkeypatch):
    """Fail loudly if a fit reaches the training engine (``_engine.train``)."""
    from dropoutmlp import _engine

    def boom(*args, **kwargs):
        raise AssertionError("training started before the fit was checked")

    monkeypatch.setattr(_engine, "train", boom)


@pytest.fixture(scope="session")
def stop_epoch():
    """``stop_epoch(losses, tol, patience)``: where MLPClassifier's rule stops.

    The rule of ``MLPClassifier`` (and of the estimators without early
    stopping): an epoch whose loss is not below the best by ``tol`` counts,
    one that is resets the count, and the fit stops once the count exceeds
    ``patience``.  Returns the number of epochs run.
    """

    def stop_at(losses, tol, patience):
        best, count = float("inf"), 0
        for epoch, loss in enumerate(losses, start=1):
            count = count + 1 if loss > best - tol else 0
            best = min(best, loss)
            if count > patience:
                return epoch
        return len(losses)

    return stop_at
