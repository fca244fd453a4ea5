"""DropoutMLPClassifier: the scikit-learn classifier."""

from __future__ import annotations

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight, compute_sample_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from ._base import BaseDropoutMLP, _Targets
from ._shared import HYPERPARAMETERS, RUNTIME, fill_doc, make_init
from ._validation import check_n_samples


@fill_doc
class DropoutMLPClassifier(ClassifierMixin, BaseDropoutMLP):
    """Multi-layer perceptron classifier regularised with dropout and max-norm.

    A Keras (TensorFlow backend) network of ``Dense`` layers, with
    ``Dropout`` on the inputs and after every hidden layer and a ``MaxNorm``
    constraint on every hidden unit's incoming weights, as in Srivastava et
    al. (2014), "Dropout: a simple way to prevent neural networks from
    overfitting".  Every knob is a constructor parameter, so the estimator
    clones, grid-searches and pickles like any scikit-learn classifier.  It
    takes scikeras-style routed ``optimizer__*`` parameters, trains each
    fit as one TensorFlow program (XLA-compiled for all but short fits),
    accepts sparse input and learns incrementally with ``partial_fit``.

    Binary targets get one sigmoid output unit and binary cross-entropy,
    multiclass targets a softmax layer and categorical cross-entropy,
    multilabel indicator targets one sigmoid unit per label.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int or int, default=(100,)
        Units of each hidden ``Dense`` layer, as in ``MLPClassifier``.

    %(activation)s

    %(dropout_and_max_norm)s

    %(kernel_initializer)s

    %(optimizer_and_knobs)s

    alpha : float >= 0, default=0.0001
        L2 penalty, as in ``MLPClassifier``: each mini-batch's mean loss gets
        ``alpha / (2 * batch_size) * sum(||W||^2)`` over every kernel (a Keras
        ``L2`` regularizer of that factor on each ``Dense`` layer).

    batch_size : int >= 1 or "auto", default=64
        Rows per mini-batch, capped at the number of training rows;
        ``"auto"`` is ``min(200, n_samples)``, as in ``MLPClassifier``.  The
        default is smaller than ``"auto"``: dropout's noisy steps want more
        of them per epoch, and on the small data sets of
        ``benchmarks/defaults.py`` it scored better and fitted faster.

    %(epochs)s

    %(warm_start)s

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training rows (stratified),
        score accuracy on them after every epoch, stop when it has not
        improved by ``tol`` for ``n_iter_no_change`` epochs and restore the
        best weights, as ``MLPClassifier`` does.  Without it, the training
        loss with dropout off decides when to stop (see ``tol``).

    validation_fraction : float in (0, 1), default=0.1
        Share of the training rows held out for early stopping; it must hold
        out at least 2 rows and one per class, and leave one per class to
        train on (else ``ValueError``).

    %(n_iter_no_change)s

    tol : float >= 0, default=1e-4
        Smallest improvement that counts, as in ``MLPClassifier``: of the
        validation accuracy with ``early_stopping``; else of the training
        loss measured with dropout off at each epoch's end
        (``eval_loss_curve_``), not of the running dropout loss
        (``loss_curve_``), whose mask noise stops small fits too early (see
        the user guide).  As in ``MLPClassifier``, the rule's best loss and
        its count of epochs without improvement carry over ``warm_start``
        fits and ``partial_fit`` calls.  When ``epochs`` run out before the
        rule stops the fit, a ``ConvergenceWarning`` says so (not with
        ``n_iter_no_change=np.inf``).

    class_weight : dict, "balanced" or None, default=None
        Weights of the classes in the loss, as in scikit-learn; multiplied
        with ``sample_weight``.

    %(callbacks)s

    %(engine)s

    random_state : int, RandomState instance or None, default=None
        Seeds the initializers, the dropout masks, the per-epoch shuffle and
        the validation split.  An int gives the same model in every process,
        without touching TensorFlow's global random state.

    %(verbose)s

    %(kwargs)s

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels (for multilabel targets, ``arange(n_labels)``).
    %(n_features_in_)s
    %(feature_names_in_)s
    coefs_ : list of ndarray of shape (n_in, n_out)
        Kernel of each ``Dense`` layer, in float64, as in ``MLPClassifier``;
        predictions read these and ``intercepts_``.
    %(intercepts_)s
    model_ : keras.Sequential
        The trained network as a Keras model, compiled with the fit's
        optimizer: :func:`~dropoutmlp.build_mlp`'s layers with the weights of
        ``coefs_`` and ``intercepts_``, built on first access.
    %(input_dropout_)s
    %(dropout_)s
    %(dropout_curve_)s
    loss_ : float
        Training loss of the last epoch (``loss_curve_[-1]``), as in
        ``MLPClassifier``.
    loss_curve_ : list of float
        Training loss (with the L2 penalty) of every epoch, dropout on,
        averaged over the epoch's mini-batches, as Keras' history reports it.
    eval_loss_curve_ : list of float
        Loss of the training rows (a fixed sample of 4,096 of them on larger
        data) at the end of every epoch with dropout off, plus the L2
        penalty: what ``model_.evaluate`` would report then, and the signal
        of the stopping rule (see ``tol``).  Grows like ``loss_curve_``.
    %(learning_rate_curve_)s
    best_loss_ : float or None
        The stopping rule's best loss: the smallest value of
        ``eval_loss_curve_`` (over ``warm_start`` fits too); None with early
        stopping, as in ``MLPClassifier``.
    n_layers_ : int
        Number of layers, the input and output layers included, as in
        ``MLPClassifier``.
    n_outputs_ : int
        Number of output units: 1 for binary targets, one per class or
        label otherwise.
    out_activation_ : str
        The output activation, by scikit-learn's name: ``"logistic"``
        (binary and multilabel targets) or ``"softmax"`` (multiclass).
    %(n_iter_)s
    validation_scores_ : list of float or None
        Validation accuracy after every epoch (weighted by
        ``sample_weight_val``), with early stopping or ``X_val``; None
        without.
    %(validation_loss_curve_)s
    %(best_validation_score_)s
    %(engine_)s
    %(callbacks_)s

    See Also
    --------
    sklearn.neural_network.MLPClassifier : scikit-learn's MLP, without dropout.
    scikeras.wrappers.KerasClassifier : wrap any Keras model.

    Notes
    -----
    The defaults (one hidden layer of 100 ReLU units, dropout 0.2 after it,
    max-norm 3, Adam at 0.001, batches of 64, at most 200 epochs,
    ``MLPClassifier``'s stopping rule) are ``MLPClassifier``'s architecture,
    optimizer and schedule with the article's recommended dropout and
    max-norm.  ``benchmarks/defaults.py`` compares them with
    ``MLPClassifier()`` on a suite of classification and regression data
    sets (score, epochs run, fit time).  Like every neural network, it
    expects standardised inputs: put a ``StandardScaler`` before it.

    A fitted estimator pickles, ``joblib.dump``-s and ``skops.io.dump``-s:
    its state holds the network as plain values (its description as a
    dict, the weight arrays), the optimizer as its serialized Keras config
    and its state as arrays, never a live Keras model or optimizer.
    ``skops.io.load(file, trusted=[...])`` must trust
    exactly ``"dropoutmlp._classifier.DropoutMLPClassifier"``, plus the type of any
    Keras object given as a parameter (an initializer instance, a callback,
    an optimizer class), which ``skops.io.get_untrusted_types`` lists; an
    optimizer instance cannot go through skops (give its class or name).

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from dropoutmlp import DropoutMLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(
    ...     StandardScaler(),
    ...     DropoutMLPClassifier((30,), dropout=0.2, epochs=20, random_state=0),
    ... ).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    >>> bool(clf.score(X, y) > 0.9)
    True
    """

    _parameter_constraints: dict = {
        **BaseDropoutMLP._parameter_constraints,
        "class_weight": [None, dict, StrOptions({"balanced"})],
    }
    _y_numeric = False

    __init__ = make_init(**HYPERPARAMETERS, class_weight=None, **RUNTIME)

    def partial_fit(
        self,
        X,
        y,
        sample_weight=None,
        classes=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Train the network for one epoch on ``(X, y)``, as ``MLPClassifier``.

        The first call builds the network and needs every class the stream
        will hold; later calls continue from the current weights and optimizer
        state.  Each call is one pass over the rows given, in mini-batches of
        ``batch_size``; ``epochs`` and ``warm_start`` do not apply.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows of this batch of the stream.
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Their targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-row weights of the loss.
        classes : array-like of shape (n_classes,), default=None
            Every class of the whole stream (``np.unique(y_all)``), required on
            the first call and optional later (it must then be the same).  For
            multilabel targets, ``arange(n_labels)``.
        X_val, y_val, sample_weight_val : default=None
            Validation rows, scored after the call's epoch as in ``fit``
            (``validation_scores_`` and ``validation_loss_curve_`` grow by
            one value per call).

        Returns
        -------
        self : object
            The updated estimator.
        """
        if not self.__sklearn_is_fitted__():
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
        elif classes is not None and not np.array_equal(
            unique_labels(classes), self.classes_
        ):
            raise ValueError(
                f"classes={list(classes)} is not the same as on the first call "
                f"to partial_fit, which was {self.classes_.tolist()}."
            )
        else:
            classes = None
        validation = (X_val, y_val, sample_weight_val)
        return self._fit(
            X,
            y,
            sample_weight,
            incremental=True,
            classes=classes,
            validation=validation,
        )

    def _encode_targets(self, y, sample_weight, *, continues, incremental, classes):
        """One column per output unit; class weights folded into the weights."""
        check_classification_targets(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        target_type = type_of_target(y)
        if target_type not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"{type(self).__name__} supports binary, multiclass and "
                f"multilabel-indicator targets; got {target_type}."
            )
        multilabel = target_type == "multilabel-indicator"
        binarizer = (
            self._label_binarizer
            if continues
            else self._binarizer(y if classes is None or multilabel else classes)
        )
        if not multilabel:
            self._check_classes(y, binarizer.classes_, continues, incremental, classes)
        Y = binarizer.transform(y).astype(np.float32)
        kind = {"multilabel-indicator": "multilabel"}.get(
            binarizer.y_type_, binarizer.y_type_
        )
        if self.class_weight is not None:
            weights = self._class_weights(y, binarizer.classes_, incremental)
            sample_weight = sample_weight * weights
        return _Targets(
            Y,
            kind,
            sample_weight,
            {"_label_binarizer": binarizer, "classes_": binarizer.classes_},
            stratify=None if multilabel else y,
            encode=lambda y_val: self._encode_validation(y_val, binarizer),
        )

    @staticmethod
    def _encode_validation(y_val, binarizer: LabelBinarizer) -> np.ndarray:
        """``y_val`` as the network's columns; its classes must be ``y``'s."""
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val, warn=True)
        multilabel = binarizer.y_type_ == "multilabel-indicator"
        if multilabel != (type_of_target(y_val) == "multilabel-indicator"):
            raise ValueError(
                f"y_val is {type_of_target(y_val)}; y is {binarizer.y_type_}."
            )
        if multilabel and y_val.shape[1] != len(binarizer.classes_):
            raise ValueError(
                f"y_val has {y_val.shape[1]} labels; y has {len(binarizer.classes_)}."
            )
        unseen = (
            [] if multilabel else np.setdiff1d(np.unique(y_val), binarizer.classes_)
        )
        if len(unseen):
            raise ValueError(
                f"y_val has classes {unseen.tolist()} not in "
                f"classes_={binarizer.classes_.tolist()} (the classes of y)."
            )
        return binarizer.transform(y_val).astype(np.float32)

    @staticmethod
    def _binarizer(labels) -> LabelBinarizer:
        """The label encoding of ``labels``, which must hold two classes or more."""
        binarizer = LabelBinarizer().fit(labels)
        if len(binarizer.classes_) < 2:
            raise ValueError(
                f"The target has only one class ({binarizer.classes_[0]!r}); "
                "a classifier needs at least two."
            )
        return binarizer

    @staticmethod
    def _check_classes(y, classes_, continues, incremental, classes) -> None:
        """``y``'s classes against the network's (``classes_``)."""
        if continues and not incremental and not np.array_equal(np.unique(y), classes_):
            raise ValueError(
                "warm_start can only be used where `y` has the same classes "
                f"as in the previous call to fit. Previously got "
                f"{classes_}, `y` has {np.unique(y)}."
            )
        unseen = np.setdiff1d(np.unique(y), classes_)
        if len(unseen):
            raise ValueError(
                f"y has classes {unseen.tolist()} not in "
                f"classes_={classes_.tolist()}"
                + (
                    " (the classes given to the first partial_fit call)."
                    if incremental or classes is not None
                    else "."
                )
            )

    def _class_weights(self, y, classes_, incremental: bool) -> np.ndarray:
        """Per-row weights of ``class_weight``, checked like ``sample_weight``."""
        class_weight = self.class_weight
        if isinstance(class_weight, dict):
            negative = {k: v for k, v in class_weight.items() if v < 0}
            if negative:
                raise ValueError(
                    f"Negative values in data passed to `class_weight`: {negative}."
                    " Class weights, like sample_weight, must be >= 0."
                )
            invalid = {
                k: v for k, v in class_weight.items() if not np.isfinite(float(v))
            }
            if invalid:
                raise ValueError(
                    f"Non-finite values in data passed to `class_weight`: {invalid}."
                    " Class weights must be finite numbers >= 0."
                )
        elif incremental:  # "balanced" would re-weight every batch its own way
            raise ValueError(
                "class_weight='balanced' is not supported by partial_fit: compute "
                "the weights on the whole stream with "
                "sklearn.utils.class_weight.compute_class_weight and pass them "
                "as a dict."
            )
        if y.ndim == 2:  # multilabel
            return compute_sample_weight(class_weight, y).astype(np.float32)
        weights = compute_class_weight(class_weight, classes=classes_, y=y)
        return weights[np.searchsorted(classes_, y)].astype(np.float32)

    def predict_proba(self, X):
        """Probability of each class (of each label, for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        out = self._network_outputs(X)
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([1.0 - out, out])
        return out

    def mc_predict_proba(self, X, n_samples=100, random_state=None):
        """Class probabilities under Monte-Carlo dropout, with their spread.

        Dropout stays on at prediction time and ``n_samples`` stochastic
        forward passes are averaged (Gal and Ghahramani, 2016, "Dropout as a
        Bayesian approximation").  The spread across passes measures the
        model's uncertainty; it is largest away from the training data.  All
        passes run inside one compiled graph call.

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
        mean : ndarray of shape (n_rows, n_classes)
            Mean probability of each class; columns follow ``classes_``.
        std : ndarray of shape (n_rows, n_classes)
            Standard deviation of each class's probability across passes.

        Examples
        --------
        >>> from sklearn.datasets import load_iris
        >>> from dropoutmlp import DropoutMLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = DropoutMLPClassifier(epochs=20, random_state=0).fit(X, y)
        >>> mean, std = clf.mc_predict_proba(X[:3], n_samples=50, random_state=0)
        >>> mean.shape, std.shape
        ((3, 3), (3, 3))
        """
        n_samples = check_n_samples(n_samples)
        mean, std = self._mc_outputs(self._validate_X(X), n_samples, random_state)
        mean, std = mean.astype(np.float64), std.astype(np.float64)
        if self._label_binarizer.y_type_ == "binary":
            return np.hstack([1.0 - mean, mean]), np.hstack([std, std])
        return mean, std

    def predict_log_proba(self, X):
        """Logarithm of :meth:`predict_proba`.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        with np.errstate(divide="ignore"):
            return np.log(self.predict_proba(X))

    def predict(self, X):
        """Predicted class of every row (label indicators for multilabel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input rows.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
        """
        outputs = self._network_outputs(X)
        return self._label_binarizer.inverse_transform(outputs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
