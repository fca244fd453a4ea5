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
def engine(request, monkeypatch):
    """Every fit of the test on the compiled (XLA) or on the graph program."""
    use_engine = _engine_setter(monkeypatch)
    use_engine(request.param)
    return request.param


@pytest.fixture
def use_engine(monkeypatch):
    """``use_engine(name)`` sends the test's program fits to "xla" or "graph"."""
    return _engine_setter(monkeypatch)


def _engine_setter(monkeypatch):
    from dropoutmlp._engine import _driver

    def use(name: str) -> None:
        never = 10**12
        monkeypatch.setattr(_driver, "XLA_MIN_STEPS", 0 if name == "xla" else never)
        monkeypatch.setattr(_driver, "XLA_MIN_ROWS", 0 if name == "xla" else never)

    return use
