"""Dropout-regularised Keras multi-layer perceptrons as scikit-learn estimators."""

from ._classifier import DropoutMLPClassifier
from ._network import NetworkSpec, build_mlp

__all__ = ["DropoutMLPClassifier", "NetworkSpec", "build_mlp"]
__version__ = "0.1.0"
