"""Tests of dropoutmlp.datasets.load_sonar (no network: OpenML is monkeypatched)."""

import socket
import warnings
from urllib.error import URLError

import numpy as np
import pytest
from sklearn.utils import Bunch

import dropoutmlp
from dropoutmlp import datasets
from dropoutmlp.datasets import SONAR_ENV_VAR, load_sonar


def _write_rows(path, rows):
    path.write_text("\n".join(",".join(map(str, row)) for row in rows) + "\n")
    return path


def _fake_row(label, n=60, value=0.5):
    return [value] * n + [label]


@pytest.fixture
def no_env(monkeypatch):
    """No DROPOUTMLP_SONAR, and OpenML must not be reached unless a test says so."""
    monkeypatch.delenv(SONAR_ENV_VAR, raising=False)

    def refuse(*args, **kwargs):
        raise AssertionError("fetch_openml must not be called")

    monkeypatch.setattr(datasets, "_fetch_openml", refuse)


def test_public_api():
    assert dropoutmlp.datasets.load_sonar is load_sonar
    assert "datasets" in dropoutmlp.__all__


def test_load_sonar_from_path(sonar_path, sonar, no_env):
    bunch = load_sonar(sonar_path)
    assert isinstance(bunch, Bunch)
    assert bunch.data.shape == (208, 60)
    assert bunch.data.dtype == np.float64
    assert bunch.target.shape == (208,)
    assert (bunch.target == "M").sum() == 111
    assert (bunch.target == "R").sum() == 97
    assert list(bunch.target_names) == ["M", "R"]
    assert bunch.feature_names[0] == "attribute_1"
    assert len(bunch.feature_names) == 60
    assert bunch.frame is None
    assert bunch.filename == str(sonar_path)
    assert "Sonar" in bunch.DESCR and str(sonar_path) in bunch.DESCR
    # The same numbers and labels as the conftest reader.
    X, y = sonar
    np.testing.assert_array_equal(bunch.data, X)
    np.testing.assert_array_equal(bunch.target, y)


def test_load_sonar_from_env_var(sonar_path, monkeypatch, no_env):
    monkeypatch.setenv(SONAR_ENV_VAR, str(sonar_path))
    X, y = load_sonar(return_X_y=True)
    assert X.shape == (208, 60)
    assert set(y) == {"M", "R"}


def test_path_argument_wins_over_env_var(tmp_path, monkeypatch, no_env):
    small = _write_rows(tmp_path / "small.csv", [_fake_row("M"), _fake_row("R")])
    monkeypatch.setenv(SONAR_ENV_VAR, str(tmp_path / "missing.csv"))
    X, y = load_sonar(small, return_X_y=True)
    assert X.shape == (2, 60)
    assert list(y) == ["M", "R"]


def test_as_frame(sonar_path, no_env):
    pd = pytest.importorskip("pandas")
    bunch = load_sonar(sonar_path, as_frame=True)
    assert isinstance(bunch.data, pd.DataFrame)
    assert list(bunch.data.columns) == bunch.feature_names
    assert isinstance(bunch.target, pd.Series)
    assert bunch.target.name == "target"
    assert bunch.frame.shape == (208, 61)
    X, y = load_sonar(sonar_path, as_frame=True, return_X_y=True)
    assert X.shape == (208, 60) and y.shape == (208,)


def test_header_and_openml_spelling_accepted(tmp_path, no_env):
    header = [f"attribute_{i}" for i in range(1, 61)] + ["Class"]
    path = _write_rows(
        tmp_path / "s.csv", [header, _fake_row("Mine"), _fake_row("Rock")]
    )
    X, y = load_sonar(path, return_X_y=True)
    assert X.shape == (2, 60)
    assert list(y) == ["M", "R"]


def test_missing_file(tmp_path, no_env):
    missing = tmp_path / "nope.csv"
    with pytest.raises(FileNotFoundError, match="does not exist.*DROPOUTMLP_SONAR"):
        load_sonar(missing)


def test_env_var_to_missing_file(tmp_path, monkeypatch, no_env):
    monkeypatch.setenv(SONAR_ENV_VAR, str(tmp_path / "nope.csv"))
    with pytest.raises(FileNotFoundError, match="DROPOUTMLP_SONAR names"):
        load_sonar()


@pytest.mark.parametrize(
    "rows, message",
    [
        ([[0.1] * 10 + ["M"]], "11 columns, expected 61"),
        ([[0.1] * 59 + ["x", "M"]], "line 1, column 59: 'x' is not a number"),
        ([_fake_row("M"), _fake_row("cat")], "line 2: label 'cat'"),
        ([], "no data rows"),
    ],
)
def test_invalid_file(tmp_path, no_env, rows, message):
    path = tmp_path / "bad.csv"
    path.write_text("\n".join(",".join(map(str, row)) for row in rows))
    with pytest.raises(ValueError, match=message):
        load_sonar(path)


def test_openml_path_maps_labels(monkeypatch, tmp_path):
    monkeypatch.delenv(SONAR_ENV_VAR, raising=False)
    calls = {}

    def fake_fetch_openml(**kwargs):
        calls.update(kwargs)
        calls["timeout"] = socket.getdefaulttimeout()
        return Bunch(
            data=np.full((4, 60), 0.25),
            target=np.array(["Rock", "Mine", "Mine", "Rock"], dtype=object),
        )

    previous_timeout = socket.getdefaulttimeout()
    monkeypatch.setattr(datasets, "_fetch_openml", fake_fetch_openml)
    bunch = load_sonar(data_home=tmp_path)
    assert calls["data_id"] == 40
    assert calls["data_home"] == tmp_path
    # Few retries and a socket timeout: an unreachable OpenML fails fast.
    assert calls["n_retries"] <= 1
    assert calls["timeout"] is not None
    assert socket.getdefaulttimeout() == previous_timeout
    assert list(bunch.target) == ["R", "M", "M", "R"]
    assert bunch.filename is None
    assert "OpenML" in bunch.DESCR


@pytest.mark.parametrize(
    "error", [URLError("no route to host"), OSError("Network is unreachable")]
)
def test_offline_without_local_copy_gives_clear_error(monkeypatch, error):
    monkeypatch.delenv(SONAR_ENV_VAR, raising=False)

    def offline(**kwargs):
        # What scikit-learn does before retrying, then gives up.
        warnings.warn(
            "A network error occurred while downloading "
            "https://www.openml.org/api/v1/json/data/40. Retrying...",
            UserWarning,
            stacklevel=2,
        )
        raise error

    monkeypatch.setattr(datasets, "_fetch_openml", offline)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(OSError) as info:
            load_sonar()
    assert caught == []  # the retry warning does not leak: one clear error
    message = str(info.value)
    assert "Could not download the Sonar data set from OpenML" in message
    assert "load_sonar('path/to/sonar.csv')" in message
    assert SONAR_ENV_VAR in message
    assert info.value.__cause__ is error


# -- load_csv and load_dataset: the one CSV rule ---------------------------------


def test_load_csv_header_rule(tmp_path):
    path = _write_rows(tmp_path / "h.csv", [["a", "b", "y"], [1, 2, "p"], [3, 4, "q"]])
    bunch = datasets.load_csv(path)
    np.testing.assert_array_equal(bunch.data, [[1, 2], [3, 4]])
    assert list(bunch.target) == ["p", "q"]
    assert bunch.feature_names == ["a", "b"]
    # No header: every row is data, and the names are made up.
    path = _write_rows(tmp_path / "n.csv", [[1, 2, "p"], [3, 4, "q"]])
    bunch = datasets.load_csv(path)
    assert bunch.data.shape == (2, 2) and bunch.feature_names == [
        "column_0",
        "column_1",
    ]


def test_load_csv_label_column(tmp_path):
    path = _write_rows(tmp_path / "f.csv", [["y", "a", "b"], ["p", 1, 2], ["q", 3, 4]])
    for label_column in (0, "0", "y", -3):
        X, y = datasets.load_csv(path, label_column, return_X_y=True)
        np.testing.assert_array_equal(X, [[1, 2], [3, 4]])
        assert list(y) == ["p", "q"]


def test_load_csv_first_column_label_hint(tmp_path):
    path = _write_rows(tmp_path / "f.csv", [["setosa", 1, 2], ["virginica", 3, 4]])
    with pytest.raises(
        ValueError, match="line 1, column 0: 'setosa' is not a number"
    ) as info:
        datasets.load_csv(path)
    assert "label_column=0" in str(info.value)
    # No hint when the bad field is elsewhere.
    path = _write_rows(tmp_path / "g.csv", [[1, 2, "p"], [3, "oops", "q"]])
    with pytest.raises(ValueError, match="column 1: 'oops'") as info:
        datasets.load_csv(path)
    assert "label_column" not in str(info.value)


@pytest.mark.parametrize(
    "rows, message",
    [
        ([[1, 2, "a"], [3, "b"]], "line 2: 2 columns, expected 3"),
        ([[1, "a"], ["nan", "b"]], "NaN or infinite"),
        ([["a", "b"]], "no data rows"),
    ],
)
def test_load_csv_rejects_bad_files(tmp_path, rows, message):
    path = _write_rows(tmp_path / "bad.csv", rows)
    with pytest.raises(ValueError, match=message):
        datasets.load_csv(path)


def test_load_csv_label_column_errors(tmp_path):
    path = _write_rows(tmp_path / "h.csv", [["a", "b", "y"], [1, 2, "p"]])
    with pytest.raises(ValueError, match="'z' is not a column of the CSV"):
        datasets.load_csv(path, "z")
    with pytest.raises(ValueError, match="label column 3 is out of range"):
        datasets.load_csv(path, 3)
    with pytest.raises(FileNotFoundError):
        datasets.load_csv(tmp_path / "missing.csv")


def test_load_dataset(tmp_path):
    for name, shape in [("breast_cancer", (569, 30)), ("digits", (1797, 64))]:
        loaded, X, y = datasets.load_dataset(name)
        assert (loaded, X.shape, len(y)) == (name, shape, shape[0])
    path = _write_rows(tmp_path / "d.csv", [[1, 2, "p"], [3, 4, "q"]])
    assert datasets.load_dataset(str(path))[0] == "d.csv"
    with pytest.raises(ValueError, match="unknown data set 'iris'"):
        datasets.load_dataset("iris")
    with pytest.raises(ValueError, match="only applies to CSV files"):
        datasets.load_dataset("wine", 0)
