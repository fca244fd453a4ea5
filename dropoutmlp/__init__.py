"""Dropout-regularised Keras multi-layer perceptrons as scikit-learn estimators.

The public names are imported on first use (PEP 562), so that importing the
package, and ``python -m dropoutmlp --help``, does not start TensorFlow.
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"

# Public name -> the private module that defines it.
_LAZY = {
    "ARTICLE_MODELS": "._article",
    "ARTICLE_RESULTS": "._article",
    "article_model": "._article",
    "DropoutMLPClassifier": "._classifier",
    "DropoutMLPRegressor": "._regressor",
    "NetworkSpec": "._network",
    "build_mlp": "._network",
    "configure_processes": "._process",
}

__all__ = [
    "ARTICLE_MODELS",
    "ARTICLE_RESULTS",
    "DropoutMLPClassifier",
    "DropoutMLPRegressor",
    "NetworkSpec",
    "article_model",
    "build_mlp",
    "configure_processes",
    "datasets",
]


def __getattr__(name: str):
    if name == "datasets":
        return importlib.import_module(".datasets", __name__)
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name], __name__), name)
        globals()[name] = value  # later look-ups skip __getattr__
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
