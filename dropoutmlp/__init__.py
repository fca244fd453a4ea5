"""Dropout-regularised Keras multi-layer perceptrons as scikit-learn estimators."""

from ._article import ARTICLE_MODELS, ARTICLE_RESULTS, article_model
from ._classifier import DropoutMLPClassifier
from ._network import NetworkSpec, build_mlp

__all__ = [
    "ARTICLE_MODELS",
    "ARTICLE_RESULTS",
    "DropoutMLPClassifier",
    "NetworkSpec",
    "article_model",
    "build_mlp",
]
__version__ = "0.1.0"
