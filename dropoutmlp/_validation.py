"""Checks of parameters and inputs, run before any training work.

Each helper either returns the validated value or raises an error that names
the parameter or input at fault; none of them changes what it is given.
"""

from __future__ import annotations

import copy
import difflib
from numbers import Integral, Real

import keras
import numpy as np
import scipy.sparse as sp

ROUTED_PREFIX = "optimizer__"
# The dropout rate that is learned in training (concrete dropout).
CONCRETE = "concrete"
# Routed options that would duplicate a constructor parameter.
KNOBS = ("learning_rate", "momentum", "nesterov")
# MLPClassifier's names for our parameters, to point its users the right way.
MLP_NAMES = {
    "max_iter": "epochs",
    "solver": "optimizer",
    "learning_rate_init": "learning_rate",
    "nesterovs_momentum": "nesterov",
}
# Sparse inputs: the engine densifies a CSR matrix one mini-batch at a time.
SPARSE_FORMATS = ("csr", "csc")
FLOAT32_MAX = float(np.finfo(np.float32).max)


def suggestion(name: str, valid) -> str:
    """`` (did you mean 'x'?)`` for a close or MLPClassifier-style name."""
    if name in MLP_NAMES:
        return f" (MLPClassifier's {name!r} is {MLP_NAMES[name]!r} here)"
    close = difflib.get_close_matches(name, list(valid), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def is_routed(name: str) -> bool:
    return name.startswith(ROUTED_PREFIX) and len(name) > len(ROUTED_PREFIX)


def per_layer(name: str, value, n_layers: int) -> tuple:
    """Broadcast a scalar to every hidden layer, or check a sequence's length."""
    if value is None or isinstance(value, (Real, str)):
        return (value,) * n_layers
    values = tuple(value)
    if len(values) != n_layers:
        raise ValueError(
            f"{name} has {len(values)} entries but hidden_layer_sizes has "
            f"{n_layers} layers; give one value per hidden layer or a single value."
        )
    return values


def check_rates(name: str, rates) -> tuple[float | str, ...]:
    """Rates in [0, 1) as floats, or ``"concrete"`` (learned) as it is."""
    for rate in rates:
        if isinstance(rate, str) and rate == CONCRETE:
            continue
        if not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ValueError(
                f"{name} rates must be floats in [0, 1) or {CONCRETE!r}; got {rate!r}."
            )
    return tuple(r if isinstance(r, str) else float(r) for r in rates)


def check_limits(limits) -> tuple[float | None, ...]:
    for limit in limits:
        if limit is not None and (not isinstance(limit, Real) or not limit > 0):
            raise ValueError(f"max_norm must be None or a float > 0; got {limit!r}.")
    return tuple(None if m is None else float(m) for m in limits)


def check_keras_name(kind: str, value, getter) -> None:
    if isinstance(value, str):
        try:
            getter(value)
        except ValueError as exc:
            raise ValueError(f"Unknown {kind} {value!r}: {exc}") from None


def check_float32_range(X) -> None:
    """Reject values finite in float64 that overflow the network's float32."""
    values = X.data if sp.issparse(X) else X
    if values.dtype == np.float32 or values.size == 0:
        return
    largest = max(abs(float(values.max())), abs(float(values.min())))
    if largest > FLOAT32_MAX:
        raise ValueError(
            f"X has values up to {largest:.3g} in magnitude, beyond the float32 "
            f"range (about {FLOAT32_MAX:.3g}) the network computes in. Scale the "
            "features first, e.g. with sklearn.preprocessing.StandardScaler."
        )


def as_float32(X):
    """Dense float32 rows, or a float32 CSR matrix (never densified here)."""
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float32)
    return X.astype(np.float32, copy=False)


def copy_callbacks(callbacks) -> tuple:
    """Validated deep copies of the user's Keras callbacks (never bound)."""
    if callbacks is None:
        return ()
    if isinstance(callbacks, keras.callbacks.Callback):
        callbacks = [callbacks]
    for cb in callbacks:
        if not isinstance(cb, keras.callbacks.Callback):
            raise TypeError(
                "callbacks must hold keras.callbacks.Callback instances; got "
                f"{cb!r} of type {type(cb).__name__}."
            )
    try:
        return tuple(copy.deepcopy(cb) for cb in callbacks)
    except Exception as exc:  # a callback holding e.g. a lock or a file
        raise TypeError(
            f"callbacks: each fit trains with copies of the callbacks (the ones "
            f"given are never modified), and copying one failed: {exc}"
        ) from None


def check_n_samples(n_samples) -> int:
    if (
        not isinstance(n_samples, Integral)
        or isinstance(n_samples, bool)
        or n_samples < 1
    ):
        raise ValueError(f"n_samples must be an integer >= 1; got {n_samples!r}.")
    return int(n_samples)
