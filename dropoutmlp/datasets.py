"""Data set loaders, in scikit-learn's loader style.

:func:`load_sonar` loads the Sonar data set (mines vs. rocks) of the dropout
article from a local CSV file, or from OpenML through scikit-learn's cache.
"""

from __future__ import annotations

import csv
import os
import socket
import warnings
from contextlib import contextmanager
from pathlib import Path
from urllib.error import URLError

import numpy as np
from sklearn.datasets import fetch_openml
from sklearn.utils import Bunch

__all__ = ["SONAR_ENV_VAR", "SONAR_OPENML_ID", "load_sonar"]

#: Environment variable naming a local copy of ``sonar.csv``.
SONAR_ENV_VAR = "DROPOUTMLP_SONAR"
#: OpenML id of the Sonar data set.
SONAR_OPENML_ID = 40

_N_FEATURES = 60
# The article's labels, and the spellings other copies (OpenML) use.
_LABELS = {"m": "M", "mine": "M", "r": "R", "rock": "R"}
# Network settings of the OpenML download: fail in seconds, never hang.
_OPENML_RETRIES = 1
_OPENML_DELAY = 1.0
_OPENML_TIMEOUT = 10.0

_DESCR = """\
Sonar (Mines vs. Rocks) data set
--------------------------------

The "Connectionist Bench (Sonar, Mines vs. Rocks)" data set of the UCI
Machine Learning Repository (Gorman and Sejnowski, 1988), as the dropout
article uses it.

:Number of instances: 208 (111 mines "M", 97 rocks "R")
:Number of attributes: 60 numeric features in [0, 1]
:Attribute information: energy within a frequency band of a sonar signal
    bounced off a metal cylinder (a mine) or a roughly cylindrical rock,
    integrated over a period of time; ``attribute_1`` is the lowest band.
:Target: "M" (mine) or "R" (rock)
:License: CC BY 4.0 (UCI)
:Source: {source}

References
----------
Gorman, R. P., and Sejnowski, T. J. (1988). "Analysis of Hidden Units in a
Layered Network Trained to Classify Sonar Targets", Neural Networks 1,
pp. 75-89.
"""


def _no_copy_message() -> str:
    return (
        "Provide a local copy of sonar.csv (208 rows of 60 numbers and an 'M'/'R' "
        f"label, no header): pass its path, load_sonar('path/to/sonar.csv'), or set "
        f"the {SONAR_ENV_VAR} environment variable to it."
    )


def _parse_label(raw: str, where: str) -> str:
    label = _LABELS.get(raw.strip().lower())
    if label is None:
        raise ValueError(
            f"{where}: label {raw!r} is not a Sonar label; expected 'M' (mine) "
            "or 'R' (rock)."
        )
    return label


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_sonar_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate a Sonar CSV: 60 numeric columns, then the label."""
    n_columns = _N_FEATURES + 1
    rows: list[list[float]] = []
    labels: list[str] = []
    with open(path, newline="", encoding="utf-8") as f:
        for line_no, row in enumerate(csv.reader(f), start=1):
            if not row or all(not field.strip() for field in row):
                continue
            where = f"{path}, line {line_no}"
            if len(row) != n_columns:
                raise ValueError(
                    f"{where}: {len(row)} columns, expected {n_columns} "
                    f"({_N_FEATURES} numeric features, then the label). "
                    "Is this the Sonar CSV?"
                )
            features = row[:_N_FEATURES]
            if not rows and not any(_is_number(field) for field in features):
                continue  # a header row
            try:
                values = [float(field) for field in features]
            except ValueError:
                bad = next(i for i, v in enumerate(features) if not _is_number(v))
                raise ValueError(
                    f"{where}, column {bad + 1}: {features[bad]!r} is not a number; "
                    f"the first {_N_FEATURES} columns must be numeric."
                ) from None
            rows.append(values)
            labels.append(_parse_label(row[-1], where))
    if not rows:
        raise ValueError(f"{path}: no data rows; is this the Sonar CSV?")
    return np.asarray(rows, dtype=np.float64), np.asarray(labels)


@contextmanager
def _socket_timeout(seconds: float):
    """Give urllib's sockets a timeout, so an unreachable host cannot hang."""
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(seconds)
    try:
        yield
    finally:
        socket.setdefaulttimeout(previous)


def _fetch_sonar_openml(data_home) -> tuple[np.ndarray, np.ndarray]:
    """Sonar from OpenML (id 40), through scikit-learn's cache in ``data_home``."""
    try:
        with _socket_timeout(_OPENML_TIMEOUT), warnings.catch_warnings():
            # scikit-learn warns before its retry; the error below says it all.
            warnings.filterwarnings(
                "ignore", message="A network error occurred", category=UserWarning
            )
            bunch = fetch_openml(
                data_id=SONAR_OPENML_ID,
                data_home=data_home,
                as_frame=False,
                parser="liac-arff",
                n_retries=_OPENML_RETRIES,
                delay=_OPENML_DELAY,
            )
    except (URLError, OSError) as exc:
        raise OSError(
            "Could not download the Sonar data set from OpenML (data id "
            f"{SONAR_OPENML_ID}) and no local copy was given: {exc}. "
            + _no_copy_message()
        ) from exc
    X = np.asarray(bunch.data, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != _N_FEATURES:
        raise ValueError(
            f"OpenML data set {SONAR_OPENML_ID} has shape {X.shape}; expected "
            f"(n, {_N_FEATURES}). " + _no_copy_message()
        )
    where = f"OpenML data set {SONAR_OPENML_ID}"
    y = np.asarray([_parse_label(str(label), where) for label in bunch.target])
    return X, y


def load_sonar(
    path: str | os.PathLike | None = None,
    *,
    return_X_y: bool = False,
    as_frame: bool = False,
    data_home: str | os.PathLike | None = None,
):
    """Load the Sonar (mines vs. rocks) binary classification data set.

    208 sonar returns, each 60 band energies in [0, 1], labelled ``"M"``
    (metal cylinder, a mine; 111 rows) or ``"R"`` (rock; 97 rows), as the
    dropout article encodes them.

    The data comes from the first of:

    1. ``path``, a local CSV file;
    2. the file named by the environment variable ``DROPOUTMLP_SONAR``;
    3. OpenML (data set id 40) via :func:`sklearn.datasets.fetch_openml`,
       cached in scikit-learn's data home (``data_home``), so only the first
       call needs a network connection.

    A local file must hold one row per sample: 60 numbers, then the label
    (``M``/``R``; ``Mine``/``Rock`` are accepted too); a header row is
    skipped.  The UCI file ``sonar.all-data`` has this format.

    Parameters
    ----------
    path : str or path-like, default=None
        Local CSV file.  When None, ``DROPOUTMLP_SONAR`` is used if set, else
        OpenML.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        ``data`` becomes a pandas DataFrame, ``target`` a Series named
        ``"target"`` and ``frame`` a DataFrame of both (needs pandas).
    data_home : str or path-like, default=None
        scikit-learn's download and cache folder for OpenML (by default
        ``~/scikit_learn_data``).  Unused when a local file is read.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (208, 60) or DataFrame
            The features.
        target : ndarray of shape (208,) or Series
            The labels, ``"M"`` or ``"R"``.
        frame : DataFrame or None
            ``data`` and ``target`` together, when ``as_frame=True``.
        feature_names : list of str
            ``attribute_1`` to ``attribute_60`` (OpenML's names).
        target_names : ndarray of shape (2,)
            ``["M", "R"]``.
        DESCR : str
            Description of the data set.
        filename : str or None
            The local file read, or None for OpenML.
    (data, target) : tuple
        When ``return_X_y=True``: ``data`` and ``target`` as above.

    Raises
    ------
    FileNotFoundError
        ``path`` (or ``DROPOUTMLP_SONAR``) names a file that does not exist.
    ValueError
        The file is not in the Sonar format.
    OSError
        No local copy was given and OpenML could not be reached.

    Examples
    --------
    >>> from dropoutmlp.datasets import load_sonar
    >>> X, y = load_sonar(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, sorted(set(y))  # doctest: +SKIP
    ((208, 60), ['M', 'R'])
    """
    source_path: Path | None = None
    if path is not None:
        source_path = Path(path)
        if not source_path.is_file():
            raise FileNotFoundError(
                f"Sonar file {str(source_path)!r} does not exist. " + _no_copy_message()
            )
    elif os.environ.get(SONAR_ENV_VAR):
        source_path = Path(os.environ[SONAR_ENV_VAR])
        if not source_path.is_file():
            raise FileNotFoundError(
                f"{SONAR_ENV_VAR} names {str(source_path)!r}, which does not "
                "exist. " + _no_copy_message()
            )

    if source_path is not None:
        X, y = _read_sonar_csv(source_path)
        source = f"local file {source_path}"
    else:
        X, y = _fetch_sonar_openml(data_home)
        source = f"OpenML, data set id {SONAR_OPENML_ID}"

    feature_names = [f"attribute_{i}" for i in range(1, _N_FEATURES + 1)]
    frame = None
    data, target = X, y
    if as_frame:
        try:
            import pandas as pd
        except ImportError as exc:  # pragma: no cover - pandas is installed in CI
            raise ImportError("load_sonar(as_frame=True) needs pandas.") from exc
        data = pd.DataFrame(X, columns=feature_names)
        target = pd.Series(y, name="target")
        frame = pd.concat([data, target], axis=1)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=np.array(["M", "R"]),
        DESCR=_DESCR.format(source=source),
        filename=None if source_path is None else str(source_path),
    )
