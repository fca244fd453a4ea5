"""Shared fixtures: data sets, the Sonar data from ``../shared/data`` (skipped
when absent), the engine names, and guards (no training, a deadline)."""

import contextlib
import os
import signal
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

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
    raw = np.genfromtxt(sonar_path, delimiter=",", dtype=str)
    return raw[:, :-1].astype(float), raw[:, -1]


# --------------------------------------------------------------------------
# Small data sets (a fresh copy for each test module)


def _classification(n, n_features, n_classes, seed):
    """Standardised, well separated classes: small fits learn them."""
    X, y = make_classification(
        n,
        n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        class_sep=1.5,
        random_state=seed,
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="session")
def classification():
    """``classification(n, n_features, n_classes, seed)``: (X, y) of
    standardised, well separated classes, which small fits learn."""
    return _classification


@pytest.fixture(scope="module")
def binary():
    """(X, y): 80 rows of 6 standardised features, classes 0 and 1."""
    return _classification(80, 6, 2, seed=0)


@pytest.fixture(scope="module")
def multiclass():
    """(X, y): 90 rows of 6 standardised features, classes 0, 1 and 2."""
    return _classification(90, 6, 3, seed=1)


@pytest.fixture(scope="module")
def small_binary():
    """(X, y): 60 rows of 5 standardised features, classes 0 and 1, for
    parameter and failure checks (a few epochs on them take no time)."""
    X, y = make_classification(60, 5, n_informative=3, n_redundant=0, random_state=0)
    return StandardScaler().fit_transform(X), y


# --------------------------------------------------------------------------
# The engine


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
    ``patience``.  Returns the number of epochs run.  For a score (higher is
    better, as early stopping's validation score), pass its negatives.
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


# --------------------------------------------------------------------------
# No test hangs


@pytest.fixture(scope="session")
def deadline():
    """``with deadline(seconds, what):`` fails the test if the block still
    runs after ``seconds``.

    For waits that take no timeout of their own (joblib's and Dask's worker
    processes): a SIGALRM interrupts the wait in the main thread and raises
    ``TimeoutError``, which the pools answer by shutting their workers down.
    Where there is no SIGALRM (Windows) the block runs without a deadline.
    """

    @contextlib.contextmanager
    def within(seconds: float, what: str):
        if not hasattr(signal, "setitimer"):
            yield
            return

        def expire(signum, frame):
            raise TimeoutError(f"{what} did not finish within {seconds} s")

        previous = signal.signal(signal.SIGALRM, expire)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)

    return within
