"""The Keras network: a validated description and a plain builder function.

Nothing here knows about scikit-learn.  :class:`NetworkSpec` is the validated,
immutable description of a dropout multi-layer perceptron and
:func:`build_mlp` turns one into a :class:`keras.Sequential` model.  The
training engine reads the same spec, so the model it trains is exactly the
one built here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import keras
import numpy as np

from ._compat import check_keras_backend

check_keras_backend()  # before any model is built: the engine is TensorFlow

# scikit-learn's activation names mapped to Keras' names.
SKLEARN_ACTIVATIONS = {"logistic": "sigmoid", "identity": "linear"}

# Where a learned (concrete) dropout rate starts (Gal et al., 2017).
CONCRETE_INITIAL_RATE = 0.1

# Keras' activation names mapped to scikit-learn's (out_activation_); "exp"
# is MLPRegressor's output activation under loss="poisson".
KERAS_TO_SKLEARN = {
    **{v: k for k, v in SKLEARN_ACTIVATIONS.items()},
    "exponential": "exp",
}

# Output kinds: the final activation and the Keras loss that goes with it.
# "poisson" is a log link: the output unit is the log of the predicted mean.
OUTPUT_KINDS = {
    "binary": ("sigmoid", "binary_crossentropy"),
    "multiclass": ("softmax", "categorical_crossentropy"),
    "multilabel": ("sigmoid", "binary_crossentropy"),
    "regression": ("linear", "mean_squared_error"),
    "poisson": ("exponential", "poisson"),
}

# The output kinds of a regressor, scored by R^2 (the others by accuracy).
REGRESSION_KINDS = frozenset({"regression", "poisson"})


@dataclass(frozen=True)
class NetworkSpec:
    """Validated description of a dropout multi-layer perceptron.

    Attributes
    ----------
    n_features : int
        Width of the input layer.
    hidden_layer_sizes : tuple of int
        Units of each hidden ``Dense`` layer.
    n_outputs : int
        Units of the output layer.
    output_kind : {"binary", "multiclass", "multilabel", "regression", "poisson"}
        Selects the output activation and the loss (see ``OUTPUT_KINDS``).
    activation : str
        Keras name of the hidden activation.
    input_dropout : float
        Rate of the ``Dropout`` layer on the inputs (0 means no layer).
    dropout : tuple of float
        Rate of the ``Dropout`` layer after each hidden layer (0 means none).
    max_norm : tuple of (float or None)
        ``MaxNorm(axis=0)`` limit of each hidden layer's kernel, or None.
    kernel_initializer : str or keras.initializers.Initializer
        Initializer of every kernel.
    concrete : tuple of bool
        Whether each ``Dense`` layer's input dropout rate (in the order of
        :attr:`rates`) is learned in training (concrete dropout) rather than
        fixed; empty means none is.  The rates themselves are where the
        learning starts, or, in a fitted network, where it ended: a Keras
        model of the spec has ordinary ``Dropout`` layers at those rates.
    """

    n_features: int
    hidden_layer_sizes: tuple[int, ...]
    n_outputs: int
    output_kind: str
    activation: str = "relu"
    input_dropout: float = 0.0
    dropout: tuple[float, ...] = ()
    max_norm: tuple[float | None, ...] = ()
    kernel_initializer: str | keras.initializers.Initializer = "glorot_uniform"
    concrete: tuple[bool, ...] = ()

    @property
    def output_activation(self) -> str:
        return OUTPUT_KINDS[self.output_kind][0]

    @property
    def loss(self) -> str:
        return OUTPUT_KINDS[self.output_kind][1]

    @property
    def layer_sizes(self) -> tuple[int, ...]:
        """Widths of every layer, input first and output last."""
        return (self.n_features, *self.hidden_layer_sizes, self.n_outputs)

    @property
    def rates(self) -> tuple[float, ...]:
        """Dropout rate on the input of each ``Dense`` layer, in order.

        The inputs' rate first, then the rate after each hidden layer; 0 means
        that layer's input has no ``Dropout``.
        """
        return (self.input_dropout, *self.dropout)

    @property
    def limits(self) -> tuple[float | None, ...]:
        """``MaxNorm`` limit of each ``Dense`` layer's kernel (None: none)."""
        return (*self.max_norm, None)

    @property
    def has_dropout(self) -> bool:
        return any(rate > 0 for rate in self.rates)

    @property
    def learned(self) -> tuple[bool, ...]:
        """Whether each ``Dense`` layer's input rate is learned (see ``concrete``)."""
        return self.concrete or (False,) * len(self.rates)

    def with_rates(self, rates) -> NetworkSpec:
        """This network with the dropout rates ``rates`` (in :attr:`rates` order)."""
        rates = tuple(float(r) for r in rates)
        return dataclasses.replace(self, input_dropout=rates[0], dropout=rates[1:])

    @property
    def weight_shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the weight list (see :func:`weight_shapes`)."""
        return weight_shapes(self.layer_sizes)


def weight_shapes(layer_sizes: tuple[int, ...]) -> list[tuple[int, ...]]:
    """Shapes of the weight list: each ``Dense`` layer's kernel, then its bias."""
    shapes: list[tuple[int, ...]] = []
    for fan_in, fan_out in zip(layer_sizes[:-1], layer_sizes[1:], strict=True):
        shapes += [(fan_in, fan_out), (fan_out,)]
    return shapes


def initial_weights(spec: NetworkSpec, seed: int) -> list[np.ndarray]:
    """The weight list :func:`build_mlp` starts ``spec``'s network from.

    Each kernel is drawn by ``spec.kernel_initializer`` seeded as in
    :func:`build_mlp`, each bias is zero, all in float32, without building a
    Keras model.
    """
    weights = []
    for i, (kernel, bias) in enumerate(
        zip(spec.weight_shapes[::2], spec.weight_shapes[1::2], strict=True), start=1
    ):
        init = seeded_initializer(spec.kernel_initializer, seed + i)
        weights += [
            np.asarray(init(kernel, dtype="float32")),
            np.zeros(bias, np.float32),
        ]
    return weights


def dense_layers(model: keras.Model) -> list[keras.layers.Dense]:
    """The ``Dense`` layers of a model built by :func:`build_mlp`, in order."""
    return [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]


def get_weights(model: keras.Model) -> list[np.ndarray]:
    """The weight list of ``spec.weight_shapes``: kernel, bias, kernel, ..."""
    return [np.asarray(v) for d in dense_layers(model) for v in (d.kernel, d.bias)]


def set_weights(model: keras.Model, weights) -> None:
    """Write a weight list (see :func:`get_weights`) into the model."""
    for d, kernel, bias in zip(
        dense_layers(model), weights[::2], weights[1::2], strict=True
    ):
        d.kernel.assign(kernel)
        d.bias.assign(bias)


def keras_activation(name: str) -> str:
    """Translate a scikit-learn activation name to Keras' (others pass through)."""
    return SKLEARN_ACTIVATIONS.get(name, name)


def seeded_initializer(
    initializer: str | keras.initializers.Initializer, seed: int
) -> keras.initializers.Initializer:
    """A fresh initializer instance that draws from ``seed``.

    A name is resolved with the seed in its config, so Keras never draws a
    default seed from Python's global ``random``; an initializer that takes no
    seed (``"zeros"``, ``"ones"``...) is made without one.  An instance given
    by the user is copied, keeping its own seed when it has one.
    """
    if isinstance(initializer, str):
        try:
            return keras.initializers.get(
                {"class_name": initializer, "config": {"seed": seed}}
            )
        except TypeError:  # an initializer without a seed argument
            return keras.initializers.get({"class_name": initializer, "config": {}})
    config = initializer.get_config()
    if "seed" in config and config["seed"] is None:
        config["seed"] = seed
    return initializer.__class__.from_config(config)


def build_mlp(spec: NetworkSpec, seed: int, l2: float = 0.0) -> keras.Sequential:
    """Build the Keras model that ``spec`` describes.

    The layers are, in order: ``Input``; ``Dropout(input_dropout)`` if the rate
    is positive; for each hidden layer a ``Dense`` with ``MaxNorm(max_norm,
    axis=0)`` when a limit is given, followed by ``Dropout(rate)`` if the rate
    is positive; and a ``Dense`` output layer with no constraint.  Every kernel
    gets its own initializer seeded from ``seed`` and, when ``l2`` is
    positive, an ``L2(l2)`` regularizer (a training setting: the estimators'
    ``alpha / (2 * batch_size)``).

    Parameters
    ----------
    spec : NetworkSpec
        The network to build.
    seed : int
        Seed of the initializers and the ``Dropout`` layers.
    l2 : float, default=0.0
        Keras ``L2`` factor on every kernel (0 means no regularizer).

    Returns
    -------
    keras.Sequential
        The uncompiled model, built for inputs of ``spec.n_features`` columns.

    Examples
    --------
    >>> from dropoutmlp import NetworkSpec, build_mlp
    >>> spec = NetworkSpec(n_features=60, hidden_layer_sizes=(60, 30), n_outputs=1,
    ...                    output_kind="binary", dropout=(0.2, 0.2),
    ...                    max_norm=(3.0, 3.0), kernel_initializer="normal")
    >>> [layer.__class__.__name__ for layer in build_mlp(spec, seed=7).layers]
    ['Dense', 'Dropout', 'Dense', 'Dropout', 'Dense']
    """
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    layers: list[keras.layers.Layer] = [keras.Input(shape=(spec.n_features,))]
    if spec.input_dropout > 0:
        layers.append(
            keras.layers.Dropout(spec.input_dropout, seed=seed, name="input_dropout")
        )
    hidden = zip(spec.hidden_layer_sizes, spec.dropout, spec.max_norm, strict=True)
    for i, (units, rate, limit) in enumerate(hidden, start=1):
        layers.append(
            keras.layers.Dense(
                units,
                activation=spec.activation,
                kernel_initializer=seeded_initializer(
                    spec.kernel_initializer, seed + i
                ),
                kernel_regularizer=regularizer,
                kernel_constraint=(
                    keras.constraints.MaxNorm(limit, axis=0) if limit else None
                ),
                name=f"hidden_{i}",
            )
        )
        if rate > 0:
            layers.append(
                keras.layers.Dropout(rate, seed=seed + i, name=f"dropout_{i}")
            )
    layers.append(
        keras.layers.Dense(
            spec.n_outputs,
            activation=spec.output_activation,
            kernel_initializer=seeded_initializer(
                spec.kernel_initializer, seed + len(spec.hidden_layer_sizes) + 1
            ),
            kernel_regularizer=regularizer,
            name="output",
        )
    )
    return keras.Sequential(layers, name="dropout_mlp")
