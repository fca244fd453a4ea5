"""The network the parameters build: Dense and Dropout layers in order,
per-layer rates and max-norm limits, activations by scikit-learn's or
Keras' names, and the article's three models."""

import keras
import pytest
from sklearn.datasets import make_classification
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import ARTICLE_MODELS, DropoutMLPClassifier, article_model


def _dense(est):
    return [la for la in est.model_.layers if isinstance(la, keras.layers.Dense)]


def _layer_summary(layer):
    if isinstance(layer, keras.layers.Dropout):
        return ("Dropout", layer.rate)
    constraint = layer.kernel_constraint
    limit = None
    if constraint is not None:
        assert isinstance(constraint, keras.constraints.MaxNorm)
        assert constraint.axis == 0
        limit = constraint.max_value
    return ("Dense", layer.units, layer.activation.__name__, limit)


# --------------------------------------------------------------------------
# Layers from the parameters


def test_per_layer_dropout_and_max_norm_sequences(binary):
    X, y = binary
    est = DropoutMLPClassifier(
        (8, 6), dropout=(0.1, 0.3), max_norm=(2.0, None), epochs=2, random_state=0
    ).fit(X, y)
    assert [_layer_summary(layer) for layer in est.model_.layers] == [
        ("Dense", 8, "relu", 2.0),
        ("Dropout", 0.1),
        ("Dense", 6, "relu", None),
        ("Dropout", 0.3),
        ("Dense", 1, "sigmoid", None),
    ]
    est = DropoutMLPClassifier(
        [8, 6],
        activation="tanh",
        input_dropout=0.25,
        dropout=[0.0, 0.4],
        max_norm=[None, 1.5],
        epochs=2,
        random_state=0,
    ).fit(X, y)
    assert [_layer_summary(layer) for layer in est.model_.layers] == [
        ("Dropout", 0.25),
        ("Dense", 8, "tanh", None),
        ("Dense", 6, "tanh", 1.5),
        ("Dropout", 0.4),
        ("Dense", 1, "sigmoid", None),
    ]


@pytest.mark.parametrize(
    "activation,keras_name",
    [("logistic", "sigmoid"), ("elu", "elu")],
)
def test_sklearn_and_keras_activation_names(binary, activation, keras_name):
    X, y = binary
    est = DropoutMLPClassifier((4,), activation=activation, epochs=2, random_state=0)
    est.fit(X, y)
    assert _dense(est)[0].activation.__name__ == keras_name


# --------------------------------------------------------------------------
# The article's models


ARTICLE_LAYERS = {
    "baseline": [
        ("Dense", 60, "relu", None),
        ("Dense", 30, "relu", None),
        ("Dense", 1, "sigmoid", None),
    ],
    "visible": [
        ("Dropout", 0.2),
        ("Dense", 60, "relu", 3.0),
        ("Dense", 30, "relu", 3.0),
        ("Dense", 1, "sigmoid", None),
    ],
    "hidden": [
        ("Dense", 60, "relu", 3.0),
        ("Dropout", 0.2),
        ("Dense", 30, "relu", 3.0),
        ("Dropout", 0.2),
        ("Dense", 1, "sigmoid", None),
    ],
}
ARTICLE_SGD = {"baseline": (0.01, 0.8), "visible": (0.1, 0.9), "hidden": (0.1, 0.9)}


@pytest.fixture(scope="module")
def sixty_features():
    X, y = make_classification(48, 60, n_informative=10, random_state=0)
    return X, y


@pytest.mark.parametrize("name", ["baseline", "visible", "hidden"])
def test_article_model_layers(sixty_features, name):
    X, y = sixty_features
    pipe = article_model(name, epochs=2).fit(X, y)
    assert isinstance(pipe, Pipeline)
    assert isinstance(pipe[0], StandardScaler)
    est = pipe[-1]
    assert isinstance(est, DropoutMLPClassifier)
    assert est.random_state == 7 and est.batch_size == 16
    layers = est.model_.layers
    assert [_layer_summary(layer) for layer in layers] == ARTICLE_LAYERS[name]
    for layer in _dense(est):
        assert isinstance(layer.kernel_initializer, keras.initializers.RandomNormal)
        assert layer.kernel_regularizer is None  # alpha = 0
    lr, momentum = ARTICLE_SGD[name]
    opt = est.model_.optimizer
    assert isinstance(opt, keras.optimizers.SGD)
    assert float(opt.learning_rate) == pytest.approx(lr)
    assert opt.momentum == pytest.approx(momentum)
    assert est.get_params()["momentum"] == ARTICLE_MODELS[name]["momentum"]


def test_article_model_rejects_unknown_name():
    with pytest.raises(ValueError, match="nosuch"):
        article_model("nosuch")
