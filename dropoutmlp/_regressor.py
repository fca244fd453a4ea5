"""DropoutMLPRegressor: the scikit-learn regressor."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.utils._param_validation import Interval, StrOptions

from ._base import BaseDropoutMLP, _Targets
from ._shared import HYPERPARAMETERS, RUNTIME, fill_doc, make_init
from ._validation import check_n_samples


@fill_doc
class DropoutMLPRegressor(RegressorMixin, BaseDropoutMLP):
    """Multi-layer perceptron regressor regularised with dropout and max-norm.

    The regression twin of :class:`DropoutMLPClassifier`: the same Keras
    (TensorFlow backend) network of ``Dense`` layers with ``Dropout`` on the
    inputs and after every hidden layer and a ``MaxNorm`` constraint on every
    hidden unit's incoming weights (Srivastava et al., 2014), built by the same
    builder and trained by the same compiled engine.  The output layer has
    one unit per target; it is linear and the loss the (sample-weighted) mean
    squared error, or, with ``loss="poisson"``, it is the log of the
    predicted mean and the loss the Poisson deviance, as in
    ``MLPRegressor``.  ``predict(X, return_std=True)`` adds the Monte-Carlo
    dropout estimate of the predictive uncertainty (Gal and Ghahramani, 2016),
    with the signature of ``GaussianProcessRegressor.predict``.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden ``Dense`` layer, as in ``MLPRegressor``.

    %(activation)s

    loss : {"squared_error", "poisson"}, default="squared_error"
        The training loss, as in ``MLPRegressor``: the mean squared error
        with a linear output, or the Poisson deviance with a log link (an
        exponential output: Keras' ``"exponential"`` activation and
        ``"poisson"`` loss), for counts and other non-negative targets
        whose variance grows with their mean.  ``"poisson"`` requires
        ``y >= 0`` (else ``ValueError`` before training); the network's
        output unit is then the log of the predicted mean, predictions
        (and the Monte-Carlo passes of ``predict(X, return_std=True)``) are
        on the response scale, and the per-row loss is ``exp(z) - y * z``
        for the output unit's value ``z``, the deviance's terms that depend
        on ``z``.  ``score`` stays :math:`R^2` with either.

    %(dropout_and_max_norm)s

    %(kernel_initializer)s

    %(optimizer_and_knobs)s

    alpha : float >= 0, default=0.0001
        L2 penalty, as in ``MLPRegressor``: each mini-batch's mean loss gets
        ``alpha / (2 * batch_size) * sum(||W||^2)`` over every kernel.

    batch_size : int >= 1 or "auto", default=64
        Rows per mini-batch, capped at the number of training rows;
        ``"auto"`` is ``min(200, n_samples)``, as in ``MLPRegressor``.  The
        default is smaller than ``"auto"``: dropout's noisy steps want more
        of them per epoch, and on the small data sets of
        ``benchmarks/defaults.py`` it scored better and fitted faster.

    %(epochs)s

    %(warm_start)s

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (a random,
        unstratified split), compute the coefficient of determination
        :math:`R^2` on them after every epoch (averaged uniformly over the
        targets, as ``score`` does), stop when it has not improved by ``tol``
        for ``n_iter_no_change`` epochs and restore the best weights, as
        ``MLPRegressor`` does.  Without it, the training loss with dropout
        off decides when to stop (see ``tol``).

    validation_fraction : float in (0, 1), default=0.1
        Share of the training rows held out for early stopping; it must hold
        out at least 2 rows (else ``ValueError``).

    %(n_iter_no_change)s

    tol : float >= 0, default=1e-4
        Smallest improvement that counts, as in ``MLPRegressor``: of the
        validation :math:`R^2` with ``early_stopping``; else of the training
        loss measured with dropout off at each epoch's end
        (``eval_loss_curve_``), not of the running dropout loss
        (``loss_curve_``), whose mask noise stops small fits too early (see
        the user guide).  As in ``MLPRegressor``, the rule's best loss and
        its count of epochs without improvement carry over ``warm_start``
        fits and ``partial_fit`` calls.  When ``epochs`` run out before the
        rule stops the fit, a ``ConvergenceWarning`` says so (not with
        ``n_iter_no_change=np.inf``).

    standardize_target : bool, default=True
        Train on the targets standardised to zero mean and unit variance (each
        target separately) and map the predictions, and their standard
        deviations, back to the original scale.  The mean and the standard
        deviation respect ``sample_weight`` (a row of weight 2 counts as two
        rows, a row of weight 0 as none).  A constant target gets a scale of 1.
        With ``loss="poisson"`` a target cannot be centred (it must stay
        non-negative): each is only divided by its (weighted) mean, so that
        it is of order 1 with mean 1, and a target of all zeros gets a scale
        of 1; ``target_mean_`` is then 0.
        With ``False`` the network fits the raw targets: then ``alpha``,
        ``learning_rate`` and the output must suit their scale.

    mc_samples : int >= 1, default=100
        Stochastic forward passes of ``predict(X, return_std=True)``.

    %(callbacks)s

    %(engine)s

    random_state : int, RandomState instance or None, default=None
        Seeds the initializers, the dropout masks of training, the per-epoch
        shuffle, the validation split and the dropout masks of
        ``predict(X, return_std=True)``.  An int gives the same model, and the
        same predictions, in every process.

    %(verbose)s

    %(kwargs)s

    Attributes
    ----------
    %(n_features_in_)s
    %(feature_names_in_)s
    n_outputs_ : int
        Number of targets (output units).
    target_mean_ : ndarray of shape (`n_outputs_`,)
        Mean subtracted from each target before training (zeros when
        ``standardize_target=False`` or ``loss="poisson"``).
    target_scale_ : ndarray of shape (`n_outputs_`,)
        Standard deviation each target was divided by, or with
        ``loss="poisson"`` its mean (ones when ``standardize_target=False``).
    coefs_ : list of ndarray of shape (n_in, n_out)
        Kernel of each ``Dense`` layer, in float64, as in ``MLPClassifier``
        (on the standardised scale); predictions read these and
        ``intercepts_``.
    %(intercepts_)s
    model_ : keras.Sequential
        The trained network as a Keras model, compiled with the fit's
        optimizer and loss: :func:`~dropoutmlp.build_mlp`'s layers with the
        weights of ``coefs_`` and ``intercepts_``, built on first access.
        It predicts the targets on the training scale, ``(predict(X) -
        target_mean_) / target_scale_`` (with ``loss="poisson"`` the
        response ``exp(z)``, not the log).
    %(input_dropout_)s
    %(dropout_)s
    %(dropout_curve_)s
    loss_ : float
        Training loss of the last epoch (``loss_curve_[-1]``), as in
        ``MLPRegressor``.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) of every epoch, dropout on,
        averaged over the epoch's mini-batches, on the standardised scale
        when ``standardize_target=True``.
    eval_loss_curve_ : list of float
        Loss of the training rows (a fixed sample of 4,096 of them on larger
        data) at the end of every epoch with dropout off, plus the L2
        penalty, on the scale of ``loss_curve_``: the signal of the stopping
        rule (see ``tol``).  Grows like ``loss_curve_``.
    %(learning_rate_curve_)s
    best_loss_ : float or None
        The stopping rule's best loss: the smallest value of
        ``eval_loss_curve_`` (over ``warm_start`` fits too); None with early
        stopping, as in ``MLPRegressor``.
    n_layers_ : int
        Number of layers, the input and output layers included, as in
        ``MLPRegressor``.
    out_activation_ : str
        The output activation, by scikit-learn's name: ``"identity"``, or
        ``"exp"`` with ``loss="poisson"``, as in ``MLPRegressor``.
    %(n_iter_)s
    validation_scores_ : list of float or None
        Validation :math:`R^2` after every epoch (weighted by
        ``sample_weight_val``), with early stopping or ``X_val``; None
        without.
    %(validation_loss_curve_)s
    %(best_validation_score_)s
    %(engine_)s
    %(callbacks_)s

    See Also
    --------
    DropoutMLPClassifier : The classifier sharing this network and engine.
    sklearn.neural_network.MLPRegressor : scikit-learn's MLP, without dropout.
    sklearn.gaussian_process.GaussianProcessRegressor : Same ``predict``
        signature, with a Gaussian-process posterior standard deviation.

    Notes
    -----
    Plain ``predict(X)`` is the deterministic network with dropout off (the
    weight-scaling approximation of the dropout paper); it is what ``score``,
    ``cross_val_score`` and ``GridSearchCV`` use.  ``predict(X,
    return_std=True)`` instead keeps dropout on, runs ``mc_samples``
    stochastic forward passes (all inside one compiled graph call) and
    returns their mean and standard deviation, so its mean differs slightly
    from ``predict(X)``.  The standard deviation measures only the model's
    (epistemic) uncertainty, not the noise of the targets; it is 0 when the
    network has no dropout, and tends to grow away from the training data.
    Like every neural network, the estimator expects standardised inputs: put
    a ``StandardScaler`` before it.

    A fitted estimator pickles, ``joblib.dump``-s and ``skops.io.dump``-s:
    its state holds the network as plain values (its description as a
    dict, the weight arrays), the optimizer as its serialized Keras config
    and its state as arrays, never a live Keras model or optimizer.
    ``skops.io.load(file, trusted=[...])`` must trust
    exactly ``"dropoutmlp._regressor.DropoutMLPRegressor"``, plus the type of any
    Keras object given as a parameter (an initializer instance, a callback,
    an optimizer class), which ``skops.io.get_untrusted_types`` lists; an
    optimizer instance cannot go through skops (give its class or name).

    Examples
    --------
    >>> import numpy as np
    >>> from dropoutmlp import DropoutMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(-1, 1, size=(200, 1))
    >>> y = np.sin(3 * X[:, 0]) + 0.1 * rng.normal(size=200)
    >>> reg = DropoutMLPRegressor(learning_rate=0.01, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    >>> bool(reg.score(X, y) > 0.9)
    True
    >>> mean, std = reg.predict(np.array([[0.0], [3.0]]), return_std=True)
    >>> mean.shape, std.shape
    ((2,), (2,))
    >>> bool(std[1] > std[0])
    True
    """

    _parameter_constraints: dict = {
        **BaseDropoutMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson"})],
        "standardize_target": ["boolean"],
        "mc_samples": [Interval(Integral, 1, None, closed="left")],
    }
    _y_numeric = True

    __init__ = make_init(
        loss="squared_error",
        **HYPERPARAMETERS,
        standardize_target=True,
        mc_samples=100,
        **RUNTIME,
    )

    def partial_fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Train the network for one epoch on ``(X, y)``, as ``MLPRegressor``.

        The first call builds the network and, with ``standardize_target``,
        fixes the target's mean and scale from its rows (keep the first batch
        representative); later calls continue from the current weights and
        optimizer state.  Each call is one pass over the rows given, in
        mini-batches of ``batch_size``; ``epochs`` and ``warm_start`` do not
        apply.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows of this batch of the stream.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Their targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row weights of the loss.
        X_val, y_val, sample_weight_val : default=None
            Validation rows, scored after the call's epoch as in ``fit``
            (``validation_scores_`` and ``validation_loss_curve_`` grow by
            one value per call).

        Returns
        -------
        self : object
            The updated estimator.
        """
        validation = (X_val, y_val, sample_weight_val)
        return self._fit(X, y, sample_weight, incremental=True, validation=validation)

    def _encode_targets(self, y, sample_weight, *, continues, incremental, classes):
        """Targets as float32 columns, standardised with weighted moments.

        With ``loss="poisson"`` the targets must be finite and non-negative;
        they are only scaled, by their weighted mean (see
        ``standardize_target``).
        """
        del incremental, classes  # a regressor has no classes
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        poisson = self.loss == "poisson"
        if poisson and not (np.isfinite(Y).all() and (Y >= 0).all()):
            bad = Y[~(np.isfinite(Y) & (Y >= 0))]
            raise ValueError(
                "loss='poisson' requires finite, non-negative targets (y >= 0): "
                f"y has {bad.size} value(s) that are not, e.g. {bad[0]!r}. Use "
                "loss='squared_error' for targets that can be negative."
            )
        if continues:
            if Y.shape[1] != self.n_outputs_:
                raise ValueError(
                    f"y has {Y.shape[1]} target(s); the fitted network has "
                    f"{self.n_outputs_}."
                )
            mean, scale = self.target_mean_, self.target_scale_
        else:
            mean, scale = self._target_moments(Y, sample_weight, poisson)
        Y = self._scaled(Y, mean, scale, "y")
        attributes = {}
        if not continues:
            attributes = {
                "_y_ndim": y.ndim,
                "target_mean_": mean,
                "target_scale_": scale,
            }

        def encode(y_val):
            Y_val = np.asarray(y_val, dtype=np.float64).reshape(len(y_val), -1)
            if Y_val.shape[1] != Y.shape[1]:
                raise ValueError(
                    f"y_val has {Y_val.shape[1]} target(s); y has {Y.shape[1]}."
                )
            if poisson and not (Y_val >= 0).all():
                raise ValueError("loss='poisson' requires y_val >= 0.")
            return self._scaled(Y_val, mean, scale, "y_val")

        kind = "poisson" if poisson else "regression"
        return _Targets(Y, kind, sample_weight, attributes, None, encode)

    def _scaled(self, Y, mean, scale, name: str) -> np.ndarray:
        """``(Y - mean) / scale`` in float32, or ValueError if it overflows."""
        with np.errstate(over="ignore"):
            Y = ((Y - mean) / scale).astype(np.float32)
        if not np.isfinite(Y).all():
            raise ValueError(
                f"{name} overflows float32, the precision the network trains in, "
                + (
                    "after standardisation. "
                    if self.standardize_target
                    else "(standardize_target=False). "
                )
                + "Rescale the target"
                + ("." if self.standardize_target else " or standardise it.")
            )
        return Y

    def _target_moments(self, Y, sample_weight, poisson: bool):
        """(mean, scale) that standardise the targets ``Y`` (float64 columns).

        Weighted by ``sample_weight``.  A Poisson target is only divided by
        its mean: a log link cannot fit a centred target (a target of all
        zeros keeps the scale 1).  As StandardScaler, a (near-)constant
        target is only centred.
        """
        n_outputs = Y.shape[1]
        if not self.standardize_target:
            return np.zeros(n_outputs), np.ones(n_outputs)
        weights = np.asarray(sample_weight, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            if weights.sum() > 0:
                mean = np.average(Y, axis=0, weights=weights)
                var = np.average((Y - mean) ** 2, axis=0, weights=weights)
            else:  # the base class rejects this case right after
                mean, var = np.zeros(n_outputs), np.ones(n_outputs)
        if poisson:
            scale = mean
            mean, what = np.zeros(n_outputs), "Scaling y overflows: its mean is"
        else:
            scale, what = (
                np.sqrt(var),
                "Standardising y overflows: its mean or variance is",
            )
        if not (np.isfinite(mean).all() and np.isfinite(scale).all()):
            raise ValueError(
                f"{what} not finite in float64 (values up to "
                f"{np.abs(Y).max():.3g}). Rescale the target, e.g. divide it by "
                "a power of ten."
            )
        if poisson:
            scale[scale == 0] = 1
        else:
            tiny = 10 * np.finfo(np.float64).eps * np.maximum(1, abs(mean))
            scale[scale < tiny] = 1
        return mean, scale

    def _to_target(self, values: np.ndarray, dtype) -> np.ndarray:
        """Network values in the shape of ``y`` and the dtype of ``X``."""
        values = values.astype(dtype, copy=False)
        return values.ravel() if self._y_ndim == 1 else values

    def predict(
        self, X, return_std: bool = False
    ) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
        """Predicted targets, optionally with their MC-dropout uncertainty.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.
        return_std : bool, default=False
            Also return the standard deviation of the prediction over
            ``mc_samples`` Monte-Carlo dropout passes.  The returned mean is
            then the mean of those passes (see Notes).

        Returns
        -------
        y_mean : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted targets: the deterministic network (dropout off), or,
            with ``return_std=True``, the mean of the dropout-on passes.
            1-D when ``y`` was 1-D in ``fit``.
        y_std : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Standard deviation of the passes, on the scale of ``y``.  Only
            returned when ``return_std`` is True.

        Notes
        -----
        The dropout masks of ``return_std=True`` are seeded from
        ``random_state``: with an int, repeated calls return the same arrays;
        with a ``RandomState`` instance or None, each call draws new masks.
        Without any dropout (``input_dropout=0`` and ``dropout=0``) the passes
        are all the deterministic network: the mean is ``predict(X)`` and the
        standard deviation is exactly 0.
        """
        if not return_std:
            X = self._validate_X(X)
            outputs = self._outputs(X)
            return self._to_target(
                outputs * self.target_scale_ + self.target_mean_, X.dtype
            )
        return self.mc_predict(
            X, n_samples=self.mc_samples, random_state=self.random_state
        )

    def mc_predict(
        self, X, n_samples: int = 100, random_state=None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Mean and standard deviation of Monte-Carlo dropout predictions.

        Dropout stays on at prediction time and ``n_samples`` stochastic
        forward passes are averaged (Gal and Ghahramani, 2016, "Dropout as a
        Bayesian approximation").  ``predict(X, return_std=True)`` is this
        method with ``n_samples=mc_samples`` and the estimator's
        ``random_state``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.
        n_samples : int >= 1, default=100
            Stochastic forward passes.
        random_state : int, RandomState instance or None, default=None
            Seeds the dropout masks; an int gives the same result every time.

        Returns
        -------
        mean : ndarray of shape (n_rows,) or (n_rows, n_outputs)
            Mean prediction over the passes, on the scale of ``y``.
        std : ndarray of shape (n_rows,) or (n_rows, n_outputs)
            Standard deviation of the predictions across the passes.
        """
        n_samples = check_n_samples(n_samples)
        X = self._validate_X(X)
        if not self._spec.has_dropout:
            # Every pass is the deterministic network: skip n_samples identical
            # float32 passes, whose rounding would give a tiny non-zero std.
            mean = self._outputs(X)
            std = np.zeros_like(mean)
        else:
            mean, std = self._mc_outputs(X, n_samples, random_state)
        mean = mean.astype(np.float64) * self.target_scale_ + self.target_mean_
        std = std.astype(np.float64) * self.target_scale_
        return self._to_target(mean, X.dtype), self._to_target(std, X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.single_output = True
        tags.target_tags.multi_output = True
        return tags
