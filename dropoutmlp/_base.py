"""The scikit-learn face shared by the classifier and the regressor.

Data flows one way: constructor parameters are validated into a
:class:`~dropoutmlp._network.NetworkSpec` and a
:class:`~dropoutmlp._engine.TrainingConfig`; :func:`build_mlp` makes the Keras
model; :func:`~dropoutmlp._engine.train` trains it; the result becomes the
fitted attributes.
"""

from __future__ import annotations

from numbers import Integral, Real

import keras
import numpy as np
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from . import _engine
from ._network import (
    SKLEARN_ACTIVATIONS,
    NetworkSpec,
    build_mlp,
    keras_activation,
    seeded_initializer,
)

_ROUTED_PREFIX = "optimizer__"


class _Unavailable:
    """A scikeras method this estimator does not offer: ``hasattr`` is False."""

    def __init__(self, reason: str):
        self.reason = reason

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, instance, owner=None):
        raise AttributeError(
            f"{owner.__name__}.{self.name} is not available: {self.reason}"
        )


def _per_layer(name: str, value, n_layers: int) -> tuple:
    """Broadcast a scalar to every hidden layer, or check a sequence's length."""
    if value is None or isinstance(value, Real):
        return (value,) * n_layers
    values = tuple(value)
    if len(values) != n_layers:
        raise ValueError(
            f"{name} has {len(values)} entries but hidden_layer_sizes has "
            f"{n_layers} layers; give one value per hidden layer or a single value."
        )
    return values


def _check_rates(name: str, rates) -> tuple[float, ...]:
    for rate in rates:
        if not isinstance(rate, Real) or not 0 <= rate < 1:
            raise ValueError(f"{name} rates must be floats in [0, 1); got {rate!r}.")
    return tuple(float(r) for r in rates)


def _check_limits(limits) -> tuple[float | None, ...]:
    for limit in limits:
        if limit is not None and (not isinstance(limit, Real) or not limit > 0):
            raise ValueError(f"max_norm must be None or a float > 0; got {limit!r}.")
    return tuple(None if m is None else float(m) for m in limits)


def _check_keras_name(kind: str, value, getter) -> None:
    if isinstance(value, str):
        try:
            getter(value)
        except ValueError as exc:
            raise ValueError(f"Unknown {kind} {value!r}: {exc}") from None


class BaseDropoutMLP(BaseWrapper):
    """Parameters, validation and the fit pipeline of every dropout MLP.

    Subclasses say how targets are encoded (``_encode_targets``) and turn the
    network's outputs into predictions.  This class is not public API.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],
        "input_dropout": [Interval(Real, 0, 1, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "max_norm": [None, Interval(Real, 0, None, closed="neither"), "array-like"],
        "kernel_initializer": [str, keras.initializers.Initializer],
        "optimizer": [str, keras.optimizers.Optimizer, type],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterov": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [None, list, HasMethods(["on_epoch_end"])],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # scikeras entry points that the one-way fit pipeline replaces.
    partial_fit = _Unavailable("train again with fit (the whole run is one graph call)")
    initialize = _Unavailable("fit builds and trains the network in one step")

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        input_dropout=0.0,
        dropout=0.2,
        max_norm=3.0,
        kernel_initializer="glorot_uniform",
        optimizer="adam",
        learning_rate=0.001,
        momentum=0.9,
        nesterov=False,
        alpha=0.0001,
        batch_size=64,
        epochs=200,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        tol=1e-4,
        callbacks=None,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.input_dropout = input_dropout
        self.dropout = dropout
        self.max_norm = max_norm
        self.kernel_initializer = kernel_initializer
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.alpha = alpha
        self.batch_size = batch_size
        self.epochs = epochs
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        # scikeras-style routed parameters, e.g. ``optimizer__beta_2=0.99``.
        vars(self).update(kwargs)

    # scikit-learn's repr, not scikeras' one-parameter-per-line listing.
    __repr__ = BaseEstimator.__repr__

    def _routed_optimizer_options(self) -> tuple:
        params = self.get_params(deep=False)
        unknown = [k for k in params if "__" in k and not k.startswith(_ROUTED_PREFIX)]
        if unknown:
            raise ValueError(
                f"Unsupported routed parameters {unknown}: {type(self).__name__} "
                f"routes only '{_ROUTED_PREFIX}*' parameters (to the optimizer)."
            )
        return tuple(
            sorted(
                (k[len(_ROUTED_PREFIX) :], v)
                for k, v in params.items()
                if k.startswith(_ROUTED_PREFIX)
            )
        )

    def _check_params(self):
        """Validate every parameter; return (hidden sizes, rates, limits, options)."""
        self._validate_params()
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, Integral) else tuple(hidden)
        for units in hidden:
            if not isinstance(units, Integral) or units < 1:
                raise ValueError(
                    f"hidden_layer_sizes must hold integers >= 1; got {units!r}."
                )
        rates = _check_rates(
            "dropout", _per_layer("dropout", self.dropout, len(hidden))
        )
        limits = _check_limits(_per_layer("max_norm", self.max_norm, len(hidden)))
        if self.activation not in SKLEARN_ACTIVATIONS:
            _check_keras_name("activation", self.activation, keras.activations.get)
        _check_keras_name(
            "kernel_initializer",
            self.kernel_initializer,
            lambda name: seeded_initializer(name, 0),
        )
        if isinstance(self.optimizer, type) and not issubclass(
            self.optimizer, keras.optimizers.Optimizer
        ):
            raise ValueError(
                f"optimizer must be a name, a Keras optimizer class or instance; "
                f"got {self.optimizer!r}."
            )
        return (
            tuple(int(u) for u in hidden),
            rates,
            limits,
            self._routed_optimizer_options(),
        )

    def _seed(self, rng: np.random.RandomState) -> int:
        return int(rng.randint(np.iinfo(np.int32).max))

    def fit(self, X, y, sample_weight=None):
        """Build the network and train it on ``(X, y)``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data (dense; NaN and inf are rejected).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row weights of the loss.  Rows of weight 0 are
            dropped before training.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        hidden, rates, limits, options = self._check_params()
        X, y = validate_data(
            self,
            X,
            y,
            dtype=(np.float32, np.float64),
            multi_output=True,
            y_numeric=self._y_numeric,
        )
        X = X.astype(np.float32, copy=False)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        Y, output_kind, sample_weight = self._encode_targets(y, sample_weight)
        keep = sample_weight > 0
        if not keep.any():
            raise ValueError(
                "sample_weight is zero for every row: nothing to train on."
            )
        X, Y, y, sample_weight = X[keep], Y[keep], y[keep], sample_weight[keep]

        rng = check_random_state(self.random_state)
        build_seed, train_seed, split_seed = (self._seed(rng) for _ in range(3))
        validation = None
        if self.early_stopping:
            X, x_val, Y, y_val, sample_weight, _ = train_test_split(
                X,
                Y,
                sample_weight,
                test_size=self.validation_fraction,
                random_state=split_seed,
                stratify=self._stratify(y),
            )
            validation = (x_val, y_val)
        batch_size = min(self.batch_size, len(X))
        spec = NetworkSpec(
            n_features=X.shape[1],
            hidden_layer_sizes=hidden,
            n_outputs=Y.shape[1],
            output_kind=output_kind,
            activation=keras_activation(self.activation),
            input_dropout=float(self.input_dropout),
            dropout=rates,
            max_norm=limits,
            kernel_initializer=self.kernel_initializer,
            l2=self.alpha / (2 * batch_size),
        )
        optimizer = self.optimizer
        config = _engine.TrainingConfig(
            optimizer=optimizer.lower() if isinstance(optimizer, str) else optimizer,
            learning_rate=float(self.learning_rate),
            momentum=float(self.momentum),
            nesterov=bool(self.nesterov),
            optimizer_options=options,
            batch_size=batch_size,
            epochs=int(self.epochs),
            early_stopping=bool(self.early_stopping),
            n_iter_no_change=int(self.n_iter_no_change),
            tol=float(self.tol),
            seed=train_seed,
            verbose=int(self.verbose),
            callbacks=tuple(self.callbacks or ()),
        )
        try:  # an unknown optimizer or option fails here, before any work
            _engine.make_optimizer(config)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Invalid optimizer={self.optimizer!r} with options "
                f"{dict(options)}: {exc}"
            ) from None
        model = build_mlp(spec, build_seed)
        result = _engine.train(model, spec, config, X, Y, sample_weight, validation)

        self.model_ = model
        self._spec = spec
        self.engine_ = result.engine
        self.loss_curve_ = result.loss_curve
        self.best_loss_ = float(np.min(result.loss_curve))
        self.n_iter_ = result.n_iter
        self.validation_scores_ = result.validation_scores
        self.best_validation_score_ = (
            max(result.validation_scores) if result.validation_scores else None
        )
        return self

    def _network_outputs(self, X) -> np.ndarray:
        """Validated ``X`` through the fitted network, in inference mode."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float32, np.float64), reset=False)
        return _engine.predict(self.model_, X)

    def _mc_outputs(self, X, n_samples, random_state):
        """Mean and std of the network's outputs over MC-dropout passes."""
        if not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be an integer >= 1; got {n_samples!r}.")
        check_is_fitted(self)
        X = validate_data(self, X, dtype=(np.float32, np.float64), reset=False)
        seed = self._seed(check_random_state(random_state))
        return _engine.mc_predict(
            self.model_, self._spec, X.astype(np.float32, copy=False), n_samples, seed
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")
