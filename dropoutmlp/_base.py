"""The scikit-learn face shared by the classifier and the regressor.

Data flows one way: constructor parameters are validated into a
:class:`~dropoutmlp._network.NetworkSpec` and a
:class:`~dropoutmlp._engine.TrainingConfig`; :func:`build_mlp` makes the Keras
model; :func:`~dropoutmlp._engine.train` trains it; the result becomes the
fitted attributes.
"""

from __future__ import annotations

import dataclasses
import inspect
import math
import warnings
from collections.abc import Callable
from numbers import Integral, Real
from typing import NamedTuple

import keras
import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    check_X_y,
    validate_data,
)

from . import _engine
from ._compat import detach_callback
from ._network import (
    CONCRETE_INITIAL_RATE,
    KERAS_TO_SKLEARN,
    SKLEARN_ACTIVATIONS,
    NetworkSpec,
    build_mlp,
    initial_weights,
    keras_activation,
    seeded_initializer,
    set_weights,
)
from ._validation import (
    CONCRETE,
    KNOBS,
    ROUTED_PREFIX,
    SPARSE_FORMATS,
    as_float32,
    check_float32_range,
    check_keras_name,
    check_limits,
    check_rates,
    copy_callbacks,
    is_routed,
    per_layer,
    suggestion,
)

# Keras optimizer classes the compiled engine implements, by their names: the
# class means the name.  Other classes get the knobs their constructor takes.
_OPTIMIZER_CLASS_NAMES = {
    keras.optimizers.SGD: "sgd",
    keras.optimizers.Adam: "adam",
    keras.optimizers.RMSprop: "rmsprop",
}


def _given_validation(X_val, y_val, sample_weight_val):
    """``(X_val, y_val, sample_weight_val)``, or None: none given.

    Raises
    ------
    ValueError
        For one of ``X_val`` and ``y_val`` without the other, or
        ``sample_weight_val`` without them.
    """
    if X_val is None and y_val is None:
        if sample_weight_val is not None:
            raise ValueError("sample_weight_val was given without X_val and y_val.")
        return None
    if X_val is None or y_val is None:
        given, missing = ("X_val", "y_val") if y_val is None else ("y_val", "X_val")
        raise ValueError(f"{given} was given without {missing}: give both.")
    return X_val, y_val, sample_weight_val


class _Plan(NamedTuple):
    """The validated parameters a fit needs besides the data."""

    hidden: tuple[int, ...]
    rates: tuple
    limits: tuple
    optimizer: object
    options: tuple
    callbacks: tuple


class _Targets(NamedTuple):
    """Targets encoded for the network, and what decodes them.

    ``attributes`` are the fitted attributes of the encoding (``classes_``,
    ``target_mean_``...), set once training succeeded; ``stratify`` the
    labels the validation split is stratified by (None: not stratified);
    ``encode`` encodes other targets (``y_val``) the same way, or raises
    ``ValueError`` naming what does not fit.
    """

    Y: np.ndarray
    output_kind: str
    sample_weight: np.ndarray
    attributes: dict
    stratify: np.ndarray | None
    encode: Callable[[np.ndarray], np.ndarray]


def _rows(X, targets: _Targets, index: np.ndarray | None) -> tuple:
    """``X``, ``Y`` and the weights of the rows ``index`` (None: every row),
    dense ``X`` in the engine's float32 form (its one copy of the rows)."""
    Y, w = targets.Y, targets.sample_weight
    if index is not None:
        Y, w = Y[index], w[index]
    if sp.issparse(X):
        return (X if index is None else X[index]), Y, w
    return _engine.float32_rows(X, index), Y, w


class BaseDropoutMLP(BaseEstimator):
    """Parameters, validation and the fit pipeline of every dropout MLP.

    Subclasses make their ``__init__`` with :func:`~dropoutmlp._shared.make_init`,
    say how targets are encoded (``_encode_targets``) and turn the network's
    outputs into predictions.  This class is not public API.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [str],
        "input_dropout": [
            Interval(Real, 0, 1, closed="left"),
            StrOptions({CONCRETE}),
        ],
        "dropout": [
            Interval(Real, 0, 1, closed="left"),
            StrOptions({CONCRETE}),
            "array-like",
        ],
        "max_norm": [None, Interval(Real, 0, None, closed="neither"), "array-like"],
        "concrete_length_scale": [Interval(Real, 0, None, closed="left")],
        "concrete_regularization": [Interval(Real, 0, None, closed="left")],
        "kernel_initializer": [str, keras.initializers.Initializer],
        "optimizer": [str, keras.optimizers.Optimizer, type],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions(set(_engine.SCHEDULES))],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterov": ["boolean"],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "warm_start": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "tol": [Interval(Real, 0, None, closed="left")],
        "callbacks": [None, list, tuple, keras.callbacks.Callback],
        "engine": [StrOptions({"auto", *_engine.ENGINES})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ----------------------------------------------------------------------
    # Parameters

    def get_params(self, deep: bool = True) -> dict:
        """Parameters of this estimator, routed ``optimizer__*`` ones included.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of contained estimators.

        Returns
        -------
        params : dict
            Parameter names mapped to their values.
        """
        params = super().get_params(deep=deep)
        params.update(
            (key, value) for key, value in vars(self).items() if is_routed(key)
        )
        return params

    def set_params(self, **params):
        """Set parameters; unknown names raise before anything is changed.

        Parameters
        ----------
        **params : dict
            Constructor parameters and routed ``optimizer__<option>`` keywords.

        Returns
        -------
        self : object
            This estimator.
        """
        valid = self._get_param_names()
        for key in params:
            name, nested, _ = key.partition("__")
            # A nested key needs an estimator there (e.g. not loss="poisson").
            flat = nested and not hasattr(getattr(self, name, None), "set_params")
            if not is_routed(key) and (name not in valid or flat):
                raise ValueError(
                    f"Invalid parameter {key!r} for estimator "
                    f"{type(self).__name__}{suggestion(name, valid)}. Valid "
                    f"parameters are: {sorted(valid)} and routed "
                    f"'{ROUTED_PREFIX}<option>' keywords."
                )
        routed = {k: v for k, v in params.items() if is_routed(k)}
        super().set_params(**{k: v for k, v in params.items() if k not in routed})
        vars(self).update(routed)
        return self

    def _routed_optimizer_options(self) -> tuple:
        options = tuple(
            sorted(
                (k[len(ROUTED_PREFIX) :], v)
                for k, v in vars(self).items()
                if is_routed(k)
            )
        )
        for name, _ in options:
            if name in KNOBS:
                raise ValueError(
                    f"{ROUTED_PREFIX}{name} duplicates the constructor parameter "
                    f"{name!r}, which sets it for every optimizer and engine: set "
                    f"{name}=... instead of {ROUTED_PREFIX}{name}."
                )
        return options

    def _resolve_optimizer(self, options: tuple) -> tuple:
        """(optimizer, options) for the engine: a Keras class means its name."""
        opt = self.optimizer
        if isinstance(opt, str):
            return opt.lower(), options
        if isinstance(opt, type):
            if not issubclass(opt, keras.optimizers.Optimizer):
                raise ValueError(
                    f"optimizer must be a name, a Keras optimizer class or "
                    f"instance; got {opt!r}."
                )
            name = _OPTIMIZER_CLASS_NAMES.get(opt)
            if name is not None:
                return name, options
            # Another optimizer class gets the knobs its constructor takes.
            takes = inspect.signature(opt).parameters
            knobs = tuple(
                (knob, getattr(self, knob))
                for knob in ("momentum", "nesterov")
                if knob in takes and knob not in dict(options)
            )
            return opt, options + knobs
        if options:
            raise ValueError(
                f"Routed options {[ROUTED_PREFIX + k for k, _ in options]} "
                f"cannot be applied to an optimizer instance ({opt!r}), which is "
                "used as configured: give its class or name instead, or set the "
                "options on the instance."
            )
        return opt, options

    def _plan(self, incremental: bool) -> _Plan:
        """Every parameter validated, and their conflicts raised, before any data."""
        self._validate_params()
        hidden = self.hidden_layer_sizes
        hidden = (hidden,) if isinstance(hidden, Integral) else tuple(hidden)
        for units in hidden:
            if not isinstance(units, Integral) or units < 1:
                raise ValueError(
                    f"hidden_layer_sizes must hold integers >= 1; got {units!r}."
                )
        rates = check_rates("dropout", per_layer("dropout", self.dropout, len(hidden)))
        limits = check_limits(per_layer("max_norm", self.max_norm, len(hidden)))
        if self.activation not in SKLEARN_ACTIVATIONS:
            check_keras_name("activation", self.activation, keras.activations.get)
        check_keras_name(
            "kernel_initializer",
            self.kernel_initializer,
            lambda name: seeded_initializer(name, 0),
        )
        optimizer, options = self._resolve_optimizer(self._routed_optimizer_options())
        callbacks = copy_callbacks(self.callbacks)
        learned = [isinstance(rate, str) for rate in (self.input_dropout, *rates)]
        _engine.check_engine(self.engine, learned, optimizer, options, callbacks)
        scheduled = self.learning_rate_schedule != "constant"
        if scheduled and isinstance(optimizer, keras.optimizers.Optimizer):
            raise ValueError(
                f"learning_rate_schedule={self.learning_rate_schedule!r} schedules "
                "learning_rate, which an optimizer instance does not use (it is "
                f"used as configured: {optimizer!r}); give the optimizer's name "
                "or class, or set learning_rate_schedule='constant'."
            )
        if incremental and self.early_stopping:
            raise ValueError(
                "partial_fit does not support early_stopping=True (each call is "
                "one epoch on the rows given); set early_stopping=False."
            )
        return _Plan(
            tuple(int(u) for u in hidden), rates, limits, optimizer, options, callbacks
        )

    def _seed(self, rng: np.random.RandomState) -> int:
        return int(rng.randint(np.iinfo(np.int32).max))

    # ----------------------------------------------------------------------
    # Training

    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Build the network and train it on ``(X, y)``.

        With ``warm_start=True`` and a fitted network, training continues from
        its weights (and optimizer state) for another ``epochs`` epochs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data (NaN, inf and values beyond float32 are rejected).
            A sparse matrix stays sparse: the engine makes one mini-batch
            dense at a time.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row weights of the loss.  Rows of weight 0 are
            dropped before training.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
                default=None
            Validation rows of your own (a time-ordered or grouped hold-out,
            say), as ``HistGradientBoostingClassifier``'s: scored after every
            epoch (``validation_scores_``, ``validation_loss_curve_``).  With
            ``early_stopping=True`` they replace the split of
            ``validation_fraction`` of the training rows (which is then
            unused) for the stopping rule and the best weights.  They go to
            the network as given: in a ``Pipeline`` the earlier steps do not
            transform them (metadata routing passes them through, e.g.
            ``set_fit_request(X_val=True, y_val=True)``), so give them
            transformed, or use this estimator outside the pipeline.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Their targets (required with ``X_val``); a classifier's must hold
            only classes of ``y``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Non-negative weights of the validation rows in their score and
            loss (``class_weight`` does not apply to them).

        Returns
        -------
        self : object
            The fitted estimator.

        Raises
        ------
        ValueError
            Before training, for invalid parameters or input; during training,
            when the loss or the weights stop being finite (the fit diverged:
            lower ``learning_rate`` or standardise the features).  A
            ``warm_start`` fit or ``partial_fit`` call that fails keeps the
            fitted network as it was; a fresh fit leaves the estimator unfitted.
        """
        validation = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=False, validation=validation)

    def _continues(self, incremental: bool) -> bool:
        """Whether this fit continues the fitted network (warm start)."""
        return self.__sklearn_is_fitted__() and (incremental or self.warm_start)

    def _validate_training_data(self, X, y, sample_weight, continues: bool):
        """Checked ``X`` (dense as given, float32 or float64; sparse as
        float32 CSR), ``y`` and float32 weights, with nothing written to self.

        A continued fit checks ``X`` against the fitted features; a new fit's
        ``n_features_in_`` and ``feature_names_in_`` are stored with the rest
        of the fit, once training succeeded (:meth:`_store`).
        """
        options = dict(
            accept_sparse=SPARSE_FORMATS,
            dtype=(np.float32, np.float64),
            multi_output=True,
            y_numeric=self._y_numeric,
        )
        if continues:
            X, y = validate_data(self, X, y, reset=False, **options)
        else:
            X, y = check_X_y(X, y, estimator=self, **options)
        check_float32_range(X)
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float32, ensure_non_negative=True
        )
        return (as_float32(X) if sp.issparse(X) else X), y, sample_weight

    def _validation_split(self, rows, stratify, seed):
        """``rows`` (indices) split into those trained on and the
        ``validation_fraction`` held out, or say why they can't be.

        ``stratify`` holds the labels of ``rows`` to stratify by (None: not
        stratified).
        """
        n = len(rows)
        n_val = math.ceil(self.validation_fraction * n)
        n_classes = 0 if stratify is None else len(np.unique(stratify))
        needed = max(2, n_classes)
        if n_val < needed or n - n_val < max(1, n_classes):
            what = (
                f"one row per class ({n_classes} classes)"
                if n_classes > 2
                else "scoring (at least 2 rows)"
            )
            raise ValueError(
                f"early_stopping=True: validation_fraction={self.validation_fraction}"
                f" of the {n} training rows holds out {n_val} row(s) and leaves "
                f"{n - n_val} to train on; the validation set needs {needed} for "
                f"{what} and the rest at least {max(1, n_classes)}. Increase "
                "validation_fraction (or give more rows)."
            )
        if stratify is not None and min(np.unique(stratify, return_counts=True)[1]) < 2:
            raise ValueError(
                "early_stopping=True splits the rows stratified by class, which "
                "needs at least 2 rows of every class; the least populated class "
                "has 1. Give more rows or set early_stopping=False."
            )
        return train_test_split(
            rows,
            test_size=float(self.validation_fraction),
            random_state=seed,
            stratify=stratify,
        )

    def _training_config(self, plan: _Plan, batch_size, incremental, seed):
        n_iter_no_change = self.n_iter_no_change
        return _engine.TrainingConfig(
            optimizer=plan.optimizer,
            learning_rate=float(self.learning_rate),
            learning_rate_schedule=self.learning_rate_schedule,
            power_t=float(self.power_t),
            momentum=float(self.momentum),
            nesterov=bool(self.nesterov),
            optimizer_options=plan.options,
            batch_size=int(batch_size),
            epochs=1 if incremental else int(self.epochs),
            alpha=float(self.alpha),
            early_stopping=bool(self.early_stopping),
            n_iter_no_change=(
                int(n_iter_no_change) if math.isfinite(n_iter_no_change) else math.inf
            ),
            tol=float(self.tol),
            seed=seed,
            verbose=int(self.verbose),
            callbacks=plan.callbacks,
            engine=self.engine,
            concrete_length_scale=float(self.concrete_length_scale),
            concrete_regularization=float(self.concrete_regularization),
        )

    def _dropout_rates(self, rates, continues: bool):
        """(rates, concrete flags) of every Dense layer's input, in spec order.

        A learned rate starts at ``CONCRETE_INITIAL_RATE``, or, continuing a
        fit that learned it too, where that fit left it.
        """
        given = (self.input_dropout, *rates)  # validated: floats or CONCRETE
        concrete = tuple(isinstance(rate, str) for rate in given)
        old = self._spec if continues else None
        if old is not None and len(old.rates) != len(given):
            old = None  # a network of another depth: nothing to continue

        def start(i: int) -> float:
            learned = old is not None and old.learned[i]
            return old.rates[i] if learned else CONCRETE_INITIAL_RATE

        values = tuple(
            start(i) if flag else float(rate)
            for i, (rate, flag) in enumerate(zip(given, concrete, strict=True))
        )
        return values, concrete if any(concrete) else ()

    def _fit(
        self, X, y, sample_weight, incremental: bool, classes=None, validation=None
    ):
        """plan -> encode -> train -> store: ``self`` changes only at the end.

        ``validation`` is ``(X_val, y_val, sample_weight_val)`` as given.
        """
        plan = self._plan(incremental)
        given = _given_validation(*(validation or (None, None, None)))
        continues = self._continues(incremental)
        X_given = X
        X, y, sample_weight = self._validate_training_data(
            X, y, sample_weight, continues
        )
        targets = self._encode_targets(
            y,
            sample_weight,
            continues=continues,
            incremental=incremental,
            classes=classes,
        )
        rng = check_random_state(self.random_state)
        build_seed, train_seed, split_seed = (self._seed(rng) for _ in range(3))
        if given is not None:
            given = self._validation_rows(X_given, X.shape[1], targets, *given)
        rows = self._training_rows(X, targets, split_seed, given)
        n_rows = rows[0].shape[0]
        batch_size = (
            min(200, n_rows)
            if self.batch_size == "auto"
            else min(int(self.batch_size), n_rows)
        )
        spec = self._network(plan, X.shape[1], targets, continues)
        config = self._training_config(plan, batch_size, incremental, train_seed)
        optimizer = self._keras_optimizer(config)
        try:
            result = self._train(spec, config, optimizer, rows, continues, build_seed)
        except Exception:
            if not continues:  # the old network no longer matches the new data
                for name in ("coefs_", "intercepts_", "_keras_model"):
                    vars(self).pop(name, None)
            raise
        self._store(X_given, targets, config, optimizer, spec, result, continues)
        if not result.stopped_early and not incremental:
            self._warn_unconverged(config)
        return self

    def _training_rows(self, X, targets: _Targets, split_seed: int, validation):
        """The rows training reads (X, Y, weights, validation): weight-0 rows
        dropped, and the validation rows given, or else split off
        (``early_stopping``).  Dense rows are copied once, to float32, by the
        engine (:func:`._engine.float32_rows`); their selection is an index
        until then."""
        keep = targets.sample_weight > 0
        if not keep.any():
            raise ValueError(
                "sample_weight is zero for every row: nothing to train on."
            )
        index = None if keep.all() else np.flatnonzero(keep)
        if validation is None and self.early_stopping:
            rows = np.arange(X.shape[0]) if index is None else index
            stratify = None if targets.stratify is None else targets.stratify[rows]
            index, held_out = self._validation_split(rows, stratify, split_seed)
            validation = _rows(X, targets, held_out)
        return (*_rows(X, targets, index), validation)

    def _validation_rows(self, X, n_features, targets, X_val, y_val, weights):
        """The given validation rows, checked and encoded as the training ones."""
        X_val, y_val = check_X_y(
            X_val,
            y_val,
            accept_sparse=SPARSE_FORMATS,
            dtype=(np.float32, np.float64),
            multi_output=True,
            y_numeric=self._y_numeric,
            estimator=self,
        )
        if X_val.shape[1] != n_features:
            raise ValueError(
                f"X_val has {X_val.shape[1]} features; X has {n_features}."
            )
        if hasattr(X, "columns") and hasattr(X_val, "columns"):
            if list(X.columns) != list(X_val.columns):
                raise ValueError(
                    "X_val's feature names are not X's (or not in X's order)."
                )
        check_float32_range(X_val)
        try:
            weights = _check_sample_weight(
                weights, X_val, dtype=np.float32, ensure_non_negative=True
            )
        except ValueError as exc:
            raise ValueError(f"sample_weight_val: {exc}") from None
        X_val = as_float32(X_val) if sp.issparse(X_val) else _engine.float32_rows(X_val)
        return X_val, targets.encode(y_val), weights

    def _network(self, plan: _Plan, n_features: int, targets, continues: bool):
        """The :class:`NetworkSpec` of this fit (checked against a continued one)."""
        all_rates, concrete = self._dropout_rates(plan.rates, continues)
        spec = NetworkSpec(
            n_features=n_features,
            hidden_layer_sizes=plan.hidden,
            n_outputs=targets.Y.shape[1],
            output_kind=targets.output_kind,
            activation=keras_activation(self.activation),
            input_dropout=all_rates[0],
            dropout=all_rates[1:],
            max_norm=plan.limits,
            kernel_initializer=self.kernel_initializer,
            concrete=concrete,
        )
        if continues:
            self._check_same_network(spec)
        return spec

    def _keras_optimizer(self, config) -> keras.optimizers.Optimizer:
        """The fit's Keras optimizer, built once: an unknown optimizer or
        option fails here, before any training."""
        try:
            return _engine.make_optimizer(config)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"Invalid optimizer={self.optimizer!r} with options "
                f"{dict(config.optimizer_options)}: {exc}"
            ) from None

    def _train(self, spec, config, optimizer, rows, continues: bool, seed: int):
        """The engine's training on ``rows`` (X, Y, weights, validation), from
        the fitted network when continuing (else from ``seed``'s weights)."""
        state = None
        if continues:  # from the fitted weights (and optimizer state)
            state = self._optimizer_state
            weights = [v.astype(np.float32) for v in self._weights()]
        else:
            weights = initial_weights(spec, seed)
        X, Y, sample_weight, validation = rows
        return _engine.train(
            spec,
            config,
            weights,
            X,
            Y,
            sample_weight,
            validation,
            state=state,
            optimizer=optimizer,
        )

    def _warn_unconverged(self, config) -> None:
        """MLPClassifier's ConvergenceWarning: the epochs ran out first."""
        if not math.isfinite(config.n_iter_no_change):
            return  # the user asked for every epoch
        what = (
            "validation score"
            if config.stopping == "validation"
            else "training loss with dropout off (eval_loss_curve_)"
        )
        warnings.warn(
            f"{type(self).__name__}: all epochs={config.epochs} ran and the {what} "
            f"still improved by more than tol={config.tol} within the last "
            f"n_iter_no_change={config.n_iter_no_change} epochs: the fit has not "
            "converged. Raise epochs (or tol), or set n_iter_no_change=np.inf to "
            "train a fixed number of epochs without this warning.",
            ConvergenceWarning,
            stacklevel=4,  # the caller of fit
        )

    def _check_same_network(self, spec: NetworkSpec) -> None:
        old = self._spec
        if old.layer_sizes != spec.layer_sizes or old.output_kind != spec.output_kind:
            raise ValueError(
                f"warm_start/partial_fit continue the fitted network of layer sizes "
                f"{old.layer_sizes} ({old.output_kind}); these parameters and data "
                f"give {spec.layer_sizes} ({spec.output_kind}). Fit anew with "
                "warm_start=False (or clone the estimator)."
            )

    def _store(self, X, targets, config, optimizer, spec, result, continues: bool):
        """Every fitted attribute, once training succeeded."""
        if not continues:  # n_features_in_ and feature_names_in_
            validate_data(self, X, reset=True, skip_check_array=True)
        vars(self).update(targets.attributes)
        for callback in config.callbacks:  # detached: they pickle without the model
            detach_callback(callback)
        self.callbacks_ = list(config.callbacks)
        # model_ compiles a copy of it; a pickle keeps its Keras config.
        self._fit_optimizer = optimizer
        self._optimizer_config = keras.optimizers.serialize(optimizer)
        self._l2 = config.l2  # model_'s regularizer
        self._store_result(spec, result, continues)

    def _store_result(self, spec, result, continues: bool) -> None:
        """Fitted attributes from a training result (extended when continuing)."""
        # As MLPClassifier: the curves grow over warm_start fits and
        # partial_fit calls, n_iter_ counts the epochs of this call.
        curves = {
            "loss_curve_": result.loss_curve,
            "eval_loss_curve_": result.eval_loss_curve,
            "learning_rate_curve_": result.learning_rate_curve,
            "validation_scores_": result.validation_scores,
            "validation_loss_curve_": result.validation_loss_curve,
            "dropout_curve_": result.rate_curve,
        }
        for name, new in curves.items():
            previous = getattr(self, name, None) if continues else None
            grown = None if new is None else list(new)
            if grown is not None and previous is not None:
                grown = previous + grown
            setattr(self, name, grown)
        self.n_iter_ = result.n_iter
        # As MLPClassifier: the network's shape and output, its names.
        self.n_layers_ = len(spec.layer_sizes)
        self.n_outputs_ = spec.n_outputs
        self.out_activation_ = KERAS_TO_SKLEARN.get(
            spec.output_activation, spec.output_activation
        )
        # As MLPClassifier: the fitted weights, which predictions read.
        self.coefs_ = [k.astype(np.float64) for k in result.weights[::2]]
        self.intercepts_ = [b.astype(np.float64) for b in result.weights[1::2]]
        vars(self).pop("_keras_model", None)  # model_ is rebuilt from them
        # The fitted network has the rates it ended with (learned ones too).
        self._spec = spec.with_rates(result.rates)
        self.input_dropout_ = self._spec.input_dropout
        self.dropout_ = np.asarray(self._spec.dropout, np.float64)
        self._optimizer_state = result.state
        self.engine_ = result.engine
        # As MLPClassifier: loss_ is the last epoch's training loss; the best
        # loss is the loss rule's (carried over warm starts), None when the
        # validation score decides.
        self.loss_ = float(self.loss_curve_[-1])
        self.best_loss_ = None if self.early_stopping else float(result.state.best_loss)
        self.best_validation_score_ = (
            max(result.validation_scores) if self.early_stopping else None
        )

    # ----------------------------------------------------------------------
    # Prediction

    def _validate_X(self, X):
        check_is_fitted(self)
        X = validate_data(
            self,
            X,
            accept_sparse=SPARSE_FORMATS,
            dtype=(np.float32, np.float64),
            reset=False,
        )
        check_float32_range(X)
        return sp.csr_matrix(X) if sp.issparse(X) else X

    def _weights(self) -> list[np.ndarray]:
        """The fitted float64 weight list: kernel, bias, kernel, ..."""
        return [
            a for pair in zip(self.coefs_, self.intercepts_, strict=True) for a in pair
        ]

    def _outputs(self, X) -> np.ndarray:
        """``X`` (from ``_validate_X``) through the fitted network, dropout off."""
        return _engine.predict(self._weights(), self._spec, X)

    def _network_outputs(self, X) -> np.ndarray:
        """Validated ``X`` through the fitted network, in inference mode."""
        return self._outputs(self._validate_X(X))

    def _mc_outputs(self, X, n_samples: int, random_state):
        """Mean and std of the network's outputs over MC-dropout passes.

        ``X`` comes from ``_validate_X`` and ``n_samples`` from
        ``_check_n_samples``.
        """
        seed = self._seed(check_random_state(random_state))
        X = as_float32(X)
        return _engine.mc_predict(self._weights(), self._spec, X, n_samples, seed)

    # ----------------------------------------------------------------------
    # scikit-learn protocol

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = False
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "coefs_")

    @property
    def model_(self) -> keras.Sequential:
        """The fitted network as a compiled Keras model (built on first use).

        :func:`~dropoutmlp.build_mlp` of the fitted network with the weights
        of ``coefs_`` and ``intercepts_``, compiled with the fit's optimizer
        and loss: the article's layers, ready for Keras tools.  Predictions
        read ``coefs_`` and ``intercepts_``, so changing this model's weights
        does not change them.
        """
        if not self.__sklearn_is_fitted__():
            raise AttributeError(
                f"This {type(self).__name__} is not fitted yet: model_ exists "
                "after fit."
            )
        model = vars(self).get("_keras_model")
        if model is None:
            model = build_mlp(self._spec, 0, l2=self._l2)
            set_weights(model, [w.astype(np.float32) for w in self._weights()])
            fitted = vars(self).get("_fit_optimizer")
            if fitted is None:  # unpickled: a custom class must be registered
                optimizer = keras.optimizers.deserialize(self._optimizer_config)
            else:  # a fresh copy: the fit's instance holds the fit's state
                optimizer = fitted.__class__.from_config(fitted.get_config())
            model.compile(optimizer=optimizer, loss=self._spec.loss)
            optimizer.build(model.trainable_variables)
            self._keras_model = model
        return model

    def __getstate__(self) -> dict:
        """Picklable state: NumPy arrays and plain values, no Keras objects.

        The network is its ``NetworkSpec`` (as a dict) and the weight arrays,
        the optimizer its serialized Keras config and its state's arrays, so
        pickle, joblib and ``skops.io`` need no Keras-specific support;
        ``model_`` is rebuilt from them on first use.
        """
        state = dict(super().__getstate__())
        state.pop("_keras_model", None)
        state.pop("_fit_optimizer", None)
        # The engine's dataclasses as plain fields: a skops file then trusts
        # only the estimator's own type, wherever the engine keeps them.
        for key in ("_spec", "_optimizer_state"):
            if key in state:
                state[key] = dataclasses.asdict(state[key])
        return state

    def __setstate__(self, state: dict) -> None:
        state = dict(state)
        if "_spec" in state:
            state["_spec"] = NetworkSpec(**state["_spec"])
        if "_optimizer_state" in state:
            state["_optimizer_state"] = _engine.OptimizerState(
                **state["_optimizer_state"]
            )
        super().__setstate__(state)
