"""Data set loaders, in scikit-learn's loader style.

:func:`load_sonar` loads the Sonar data set (mines vs. rocks) of the dropout
article from a local CSV file, or from OpenML through scikit-learn's cache;
:func:`load_csv` loads any CSV file of numeric features and a label column.
Both read CSV files by the same rule.
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

__all__ = [
    "DATASETS",
    "SONAR_ENV_VAR",
    "SONAR_OPENML_ID",
    "load_csv",
    "load_dataset",
    "load_sonar",
]

#: Environment variable naming a local copy of ``sonar.csv``.
SONAR_ENV_VAR = "DROPOUTMLP_SONAR"
#: OpenML id of the Sonar data set.
SONAR_OPENML_ID = 40

#: The names :func:`load_dataset` knows: Sonar and scikit-learn's bundled sets.
DATASETS = ("sonar", "breast_cancer", "wine", "digits")

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


def _label_index(label_column: int | str | None, n_columns: int, header) -> int:
    """0-based index of the label column (see :func:`load_csv`)."""
    if label_column is None:
        return n_columns - 1
    if isinstance(label_column, str):
        try:
            label_column = int(label_column)
        except ValueError:
            if header is None:
                raise ValueError(
                    f"label column {label_column!r}: the CSV has no header row; "
                    "give the column's index"
                ) from None
            names = [name.strip() for name in header]
            if label_column not in names:
                raise ValueError(
                    f"label column {label_column!r} is not a column of the CSV; "
                    f"its columns are {', '.join(names)}"
                ) from None
            return names.index(label_column)
    if not -n_columns <= label_column < n_columns:
        raise ValueError(
            f"label column {label_column} is out of range: the CSV has {n_columns} "
            f"columns (use 0 to {n_columns - 1}, or -1 to -{n_columns})"
        )
    return label_column % n_columns


def _read_csv(path: Path, label_column: int | str | None = None):
    """Features, labels, header and line numbers of a CSV file.

    The one CSV rule of the package: blank lines are skipped; the first row is
    a header when the row after it has more numeric fields (or when it is the
    only row and has none); every other row holds numbers, except in the label
    column.
    """
    with open(path, newline="", encoding="utf-8") as f:
        try:
            rows = [
                (line_no, row)
                for line_no, row in enumerate(csv.reader(f), start=1)
                if row and any(field.strip() for field in row)
            ]
        except UnicodeDecodeError:
            raise ValueError(f"{path} is not a text CSV file") from None
    header = None
    if rows:
        n_numeric = [sum(map(_is_number, row)) for _, row in rows[:2]]
        if (len(rows) == 1 and n_numeric[0] == 0) or (
            len(rows) > 1 and n_numeric[0] < n_numeric[1]
        ):
            header = rows.pop(0)[1]
    if not rows:
        raise ValueError(f"{path}: no data rows")
    n_columns = len(rows[0][1])
    if n_columns < 2:
        raise ValueError(f"{path} has 1 column; it needs features and a label")
    label = _label_index(label_column, n_columns, header)
    features, labels = [], []
    for line_no, row in rows:
        if len(row) != n_columns:
            raise ValueError(
                f"{path}, line {line_no}: {len(row)} columns, expected {n_columns}"
            )
        values = row[:label] + row[label + 1 :]
        try:
            features.append([float(v) for v in values])
        except ValueError:
            column = next(
                i for i, v in enumerate(row) if i != label and not _is_number(v)
            )
            message = (
                f"{path}, line {line_no}, column {column}: {row[column]!r} is not "
                f"a number (column {label} is the label)"
            )
            if label_column is None and column == 0:
                message += (
                    "; if the first column holds the labels, pass label_column=0 "
                    "(--label-column 0 on the command line)"
                )
            raise ValueError(message) from None
        labels.append(row[label].strip())
    X = np.asarray(features, dtype=np.float64)
    if not np.isfinite(X).all():
        raise ValueError(f"{path}: the features hold NaN or infinite values")
    return X, np.asarray(labels), header, label, [line_no for line_no, _ in rows]


def load_csv(
    path: str | os.PathLike,
    label_column: int | str | None = None,
    *,
    return_X_y: bool = False,
):
    """Load a CSV file of numeric features and one label column.

    Blank lines are skipped.  The first row is taken as a header when the row
    after it has more numeric fields.  Every column but the label column must
    hold numbers.

    Parameters
    ----------
    path : str or path-like
        The CSV file (UTF-8, comma-separated).
    label_column : int, str or None, default=None
        The label column: a 0-based index (negative counts from the end), a
        header name, or None for the last column.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        With ``data`` (float64 ndarray of shape (n_samples, n_features)),
        ``target`` (ndarray of str), ``feature_names`` (the header's names, or
        ``column_<i>``) and ``filename``.
    (data, target) : tuple
        When ``return_X_y=True``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        The file is not a CSV of that shape: ragged rows, a feature that is
        not a number (with a hint when the first column looks like the
        labels), an unknown label column, NaN or infinite features.

    Examples
    --------
    >>> from dropoutmlp.datasets import load_csv
    >>> X, y = load_csv("iris.csv", label_column="species", return_X_y=True)
    ... # doctest: +SKIP
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{str(path)!r} does not exist")
    X, y, header, label, _ = _read_csv(path, label_column)
    if return_X_y:
        return X, y
    n_columns = X.shape[1] + 1
    names = (
        [name.strip() for name in header]
        if header is not None
        else [f"column_{i}" for i in range(n_columns)]
    )
    return _bunch(
        data=X,
        target=y,
        feature_names=names[:label] + names[label + 1 :],
        filename=str(path),
    )


def _read_sonar_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Read and validate a Sonar CSV: 60 numeric columns, then the label."""
    n_columns = _N_FEATURES + 1
    with open(path, newline="", encoding="utf-8") as f:
        first = next((row for row in csv.reader(f) if any(map(str.strip, row))), None)
    if first is not None and len(first) != n_columns:
        raise ValueError(
            f"{path}: {len(first)} columns, expected {n_columns} ({_N_FEATURES} "
            "numeric features, then the label). Is this the Sonar CSV?"
        )
    try:
        X, raw_labels, _, _, line_numbers = _read_csv(path)
    except ValueError as exc:
        raise ValueError(f"{exc}. Is this the Sonar CSV?") from None
    labels = [
        _parse_label(str(raw), f"{path}, line {line_no}")
        for raw, line_no in zip(raw_labels, line_numbers, strict=True)
    ]
    return X, np.asarray(labels)


def _bunch(**fields):
    from sklearn.utils import Bunch  # scikit-learn loads in about a second

    return Bunch(**fields)


def _fetch_openml(**kwargs):
    """:func:`sklearn.datasets.fetch_openml`, imported on first use."""
    from sklearn.datasets import fetch_openml

    return fetch_openml(**kwargs)


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
            bunch = _fetch_openml(
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
    return _bunch(
        data=data,
        target=target,
        frame=frame,
        feature_names=feature_names,
        target_names=np.array(["M", "R"]),
        DESCR=_DESCR.format(source=source),
        filename=None if source_path is None else str(source_path),
    )


def load_dataset(
    data: str, label_column: int | str | None = None
) -> tuple[str, np.ndarray, np.ndarray]:
    """A data set by name, or a CSV file by path: what ``--data`` accepts.

    Parameters
    ----------
    data : str
        ``"sonar"`` (see :func:`load_sonar`), scikit-learn's bundled
        ``"breast_cancer"``, ``"wine"`` or ``"digits"``, or the path of a CSV
        file (see :func:`load_csv`).  The names win over files of the same
        name: write ``./wine`` for a file called ``wine``.
    label_column : int, str or None, default=None
        The label column of a CSV file (see :func:`load_csv`).

    Returns
    -------
    name : str
        ``data`` for a named set, the file name for a CSV file.
    X : ndarray of shape (n_samples, n_features)
        The features, as float64.
    y : ndarray of shape (n_samples,)
        The labels.

    Raises
    ------
    ValueError
        Unknown name, ``label_column`` given for a named set, malformed CSV.
    OSError
        A missing file, or Sonar unavailable (see :func:`load_sonar`).

    Examples
    --------
    >>> from dropoutmlp.datasets import load_dataset
    >>> name, X, y = load_dataset("wine")
    >>> name, X.shape
    ('wine', (178, 13))
    """
    if data in DATASETS:
        if label_column is not None:
            raise ValueError(
                f"a label column only applies to CSV files, not to {data!r}"
            )
        if data == "sonar":
            X, y = load_sonar(return_X_y=True)
            return data, X, y
        from sklearn import datasets as sk_datasets

        X, y = getattr(sk_datasets, f"load_{data}")(return_X_y=True)
        return data, X.astype(np.float64), y
    path = Path(data)
    if path.is_file():
        X, y = load_csv(path, label_column, return_X_y=True)
        return path.name, X, y
    if path.suffix or len(path.parts) > 1:
        raise FileNotFoundError(f"file {data!r} does not exist")
    raise ValueError(
        f"unknown data set {data!r}; choose one of {', '.join(DATASETS)} "
        "or give the path of a CSV file"
    )
