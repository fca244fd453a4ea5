"""Helpers shared by the benchmark scripts (not part of the package).

Only the standard library and NumPy are imported here, so that each script can
set ``TF_CPP_MIN_LOG_LEVEL`` before anything imports TensorFlow.
"""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SONAR_DEFAULT = REPO.parent / "shared" / "data" / "sonar.csv"


def quiet_tensorflow() -> None:
    """Silence TensorFlow's C++ logging, its retracing notes and Python warnings.

    Call before anything else imports TensorFlow.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import warnings

    warnings.filterwarnings("ignore")
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")


def sonar_path() -> Path:
    """Where sonar.csv is: ``$DROPOUTMLP_SONAR`` or ``../shared/data/sonar.csv``."""
    return Path(os.environ.get("DROPOUTMLP_SONAR", SONAR_DEFAULT))


def load_sonar(required: bool = True):
    """``(X, y)`` of Sonar: 208 x 60 float32 and the labels ``'M'``/``'R'``.

    When the file is absent: exit with a clear message if ``required``, else
    return ``None``.  The data is never copied into the repository.
    """
    path = sonar_path()
    if not path.is_file():
        if required:
            sys.exit(
                f"Sonar data not found at {path}.\n"
                "Put sonar.csv (UCI 'Connectionist Bench', 208 x 61, no header) in "
                "../shared/data/ next to the repository, or set DROPOUTMLP_SONAR "
                "to its path. It is also OpenML data set 40 ('sonar')."
            )
        return None
    raw = np.genfromtxt(path, delimiter=",", dtype=str)
    return raw[:, :-1].astype(np.float32), raw[:, -1]


def describe_machine() -> str:
    """One line: Python, library versions, CPU count and load average."""
    import keras
    import sklearn
    import tensorflow as tf

    try:
        load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        load = "n/a"
    return (
        f"Python {platform.python_version()}, TensorFlow {tf.__version__}, "
        f"Keras {keras.__version__}, scikit-learn {sklearn.__version__}, "
        f"{os.cpu_count()} CPUs, load average {load}"
    )


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self._start


def mean_std(scores) -> str:
    """``'85.07% (5.57%)'``: the article's way of writing CV accuracy."""
    scores = np.asarray(scores, dtype=float)
    return f"{100 * scores.mean():.2f}% ({100 * scores.std():.2f}%)"


def print_table(headers, rows, title: str | None = None) -> None:
    """A plain, fixed-width text table (first column left-aligned)."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]

    def fmt(row):
        return "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        )

    if title:
        print(f"\n{title}")
    print(fmt(cells[0]))
    print("  ".join("-" * w for w in widths))
    for row in cells[1:]:
        print(fmt(row))
    sys.stdout.flush()


def parse_value(text: str):
    """A ``--params`` value: a Python literal if it parses as one, else the string."""
    import ast

    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_params(items) -> dict:
    """``["dropout=0.1", "hidden_layer_sizes=(256,)"]`` as a dict."""
    params = {}
    for item in items or ():
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--params expects key=value, got {item!r}")
        params[key.strip()] = parse_value(value.strip())
    return params
