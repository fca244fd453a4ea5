"""Dropout-regularised Keras multi-layer perceptrons as scikit-learn estimators."""

from . import datasets
from ._article import ARTICLE_MODELS, ARTICLE_RESULTS, article_model
from ._classifier import DropoutMLPClassifier
from ._network import NetworkSpec, build_mlp
from ._regressor import DropoutMLPRegressor

__all__ = [
    "ARTICLE_MODELS",
    "ARTICLE_RESULTS",
    "DropoutMLPClassifier",
    "DropoutMLPRegressor",
    "NetworkSpec",
    "article_model",
    "build_mlp",
    "datasets",
]
__version__ = "0.1.0"
