"""Failures are errors: bad input, divergence, overflow, bad weights, callbacks,
splits; raised before training where the fit can be judged before it."""

import keras
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import NotFittedError

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor, _engine

SMALL = dict(hidden_layer_sizes=(8,), epochs=5, batch_size=16, random_state=0)
ESTIMATORS = [DropoutMLPClassifier, DropoutMLPRegressor]


@pytest.fixture(scope="module")
def fitted(small_binary):
    return DropoutMLPClassifier(**SMALL).fit(*small_binary)


# --------------------------------------------------------------------------
# Divergence


DIVERGING = dict(
    hidden_layer_sizes=(8,),
    optimizer="sgd",
    learning_rate=0.1,
    epochs=5,
    random_state=0,
)


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize("early_stopping", [False, True])
def test_diverging_fit_raises(small_binary, Estimator, early_stopping):
    X, y = small_binary
    params = dict(DIVERGING, early_stopping=early_stopping)
    if Estimator is DropoutMLPClassifier:
        # max_norm=3 keeps the classifier's hidden weights and its (saturating)
        # cross-entropy finite here, if huge; without it they overflow.
        params["max_norm"] = None
    est = Estimator(**params)
    with pytest.raises(ValueError, match=r"diverged.*learning_rate.*StandardScaler"):
        est.fit(X * 1e6, y)
    with pytest.raises(NotFittedError):  # no NaN model is left behind
        est.predict(X)


def test_diverging_keras_path_raises(small_binary):
    X, y = small_binary
    est = DropoutMLPRegressor(**DIVERGING, engine="keras")
    with pytest.raises(ValueError, match="diverged"):
        est.fit(X * 1e6, y)


def test_diverging_refit_leaves_the_estimator_unfitted(small_binary):
    X, y = small_binary
    est = DropoutMLPRegressor(**DIVERGING).fit(X, y)
    with pytest.raises(ValueError, match="diverged"):
        est.fit(X[:, :3] * 1e6, y)
    with pytest.raises(NotFittedError):  # not the old model on the new features
        est.predict(X[:, :3])


def test_diverging_warm_start_keeps_the_fitted_model(small_binary):
    X, y = small_binary
    est = DropoutMLPRegressor(**DIVERGING).fit(X, y)
    before = est.predict(X)
    est.set_params(warm_start=True)
    with pytest.raises(ValueError, match="diverged"):
        est.fit(X * 1e6, y)
    np.testing.assert_array_equal(est.predict(X), before)
    assert np.isfinite(before).all()


# --------------------------------------------------------------------------
# Bad input


def _X_with(value):
    X = np.random.RandomState(0).randn(20, 6)
    X[3, 2] = value
    return X


@pytest.mark.parametrize(
    "X,match",
    [
        (_X_with(np.nan), "NaN"),
        (_X_with(np.inf), "infinity"),
        (_X_with(-np.inf), "infinity"),
    ],
    ids=["nan", "inf", "-inf"],
)
def test_non_finite_X_is_rejected_before_training(no_training, X, match):
    y = np.arange(len(X)) % 2
    with pytest.raises(ValueError, match=match):
        DropoutMLPClassifier(**SMALL).fit(X, y)


@pytest.mark.parametrize(
    "value,match",
    [(np.nan, "NaN"), (np.inf, "infinity"), (-np.inf, "infinity"), (-1e39, "float32")],
    ids=["nan", "inf", "-inf", "beyond-float32"],
)
def test_bad_X_is_rejected_at_predict(fitted, small_binary, value, match):
    X = small_binary[0].copy()
    X[0, 0] = value
    for method in (
        fitted.predict,
        fitted.predict_proba,
        fitted.predict_log_proba,
        fitted.mc_predict_proba,
    ):
        with pytest.raises(ValueError, match=match):
            method(X)


def test_wrong_number_of_features_at_predict(fitted, small_binary):
    X = small_binary[0]
    for method in (fitted.predict, fitted.predict_proba):
        with pytest.raises(ValueError, match=r"4 features.*expecting 5"):
            method(X[:, :4])
    with pytest.raises(ValueError, match="features"):
        fitted.mc_predict_proba(X[:, :4], n_samples=2)


def test_single_class_is_rejected(small_binary, no_training):
    X, _ = small_binary
    with pytest.raises(ValueError, match=r"(one|single) class"):
        DropoutMLPClassifier(**SMALL).fit(X, np.full(len(X), "only"))


def test_mismatched_lengths_are_rejected(small_binary, no_training):
    X, y = small_binary
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DropoutMLPClassifier(**SMALL).fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=np.ones(len(y) - 1))


def test_continuous_target_is_rejected(small_binary, no_training):
    X, _ = small_binary
    with pytest.raises(ValueError, match="[Uu]nknown label type|continuous"):
        DropoutMLPClassifier(**SMALL).fit(X, np.linspace(0, 1, len(X)))


def test_predict_before_fit():
    est = DropoutMLPClassifier()
    X = np.zeros((3, 2))
    for method in (est.predict, est.predict_proba, est.predict_log_proba):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        est.mc_predict_proba(X)


# --------------------------------------------------------------------------
# Values beyond float32


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_X_beyond_float32_is_rejected_before_training(
    small_binary, no_training, Estimator
):
    X, y = small_binary
    X = X.copy()
    X[0, 0] = 1e39  # finite in float64, inf in float32
    with pytest.raises(ValueError, match="float32"):
        Estimator(**SMALL).fit(X, y)


# scikit-learn's finiteness check of y sums it first (an overflow here, which
# NumPy warns of) and then checks it value by value: its warning, not ours.
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
def test_target_whose_standardisation_overflows_is_rejected(small_binary, no_training):
    X, _ = small_binary
    y = np.resize([1.5e308, -1.5e308], len(X))  # its variance overflows float64
    with pytest.raises(ValueError, match="Standardising y overflows"):
        DropoutMLPRegressor(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="y overflows float32"):
        DropoutMLPRegressor(**SMALL, standardize_target=False).fit(X, y / 1e200 * 1e-69)


# --------------------------------------------------------------------------
# Weights


def test_negative_class_weight_raises_like_negative_sample_weight(
    small_binary, no_training
):
    X, y = small_binary
    with pytest.raises(ValueError, match="Negative values in .* `class_weight`"):
        DropoutMLPClassifier(**SMALL, class_weight={0: -1}).fit(X, y)
    with pytest.raises(ValueError, match="Negative values in .* `sample_weight`"):
        DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=-np.ones(len(y)))
    for bad in (np.nan, np.inf):
        with pytest.raises(ValueError, match="Non-finite values in .* `class_weight`"):
            DropoutMLPClassifier(**SMALL, class_weight={0: bad}).fit(X, y)


def test_all_zero_sample_weight_is_rejected(small_binary, no_training):
    X, y = small_binary
    with pytest.raises(ValueError, match="[Ss]ample.weight"):
        DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=np.zeros(len(y)))


# --------------------------------------------------------------------------
# Callbacks


class CountEpochs(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.epochs = 0

    def on_epoch_end(self, epoch, logs=None):
        self.epochs += 1


def test_callbacks_are_used_on_copies_never_mutated(small_binary):
    X, y = small_binary
    counter = CountEpochs()
    history = keras.callbacks.History()
    est = DropoutMLPClassifier(**SMALL, callbacks=[counter, history]).fit(X, y)
    assert est.engine_ == "keras" and est.n_iter_ >= 1
    # The user's objects are untouched: not bound to the model, not counted.
    assert counter.epochs == 0
    assert counter._model is None and history._model is None
    assert not hasattr(history, "history") or history.history == {}
    assert est.callbacks[0] is counter
    # The trained copies are the fitted attribute callbacks_.
    trained_counter, trained_history = est.callbacks_
    assert trained_counter is not counter and trained_counter.epochs == est.n_iter_
    assert len(trained_history.history["loss"]) == est.n_iter_
    assert trained_history._model is None  # detached: it pickles alone
    # A second fit runs as the first did: nothing carried over.
    again = DropoutMLPClassifier(**SMALL, callbacks=[counter, history]).fit(X, y)
    assert again.loss_curve_ == est.loss_curve_


def test_callback_copies_see_every_epoch(small_binary, monkeypatch):
    X, y = small_binary
    seen = []
    real_train = _engine.train

    def spy(spec, config, *args, **kwargs):
        seen.extend(config.callbacks)
        return real_train(spec, config, *args, **kwargs)

    monkeypatch.setattr(_engine, "train", spy)
    counter = CountEpochs()
    est = DropoutMLPClassifier(**SMALL, callbacks=[counter]).fit(X, y)
    (copy,) = seen
    assert copy is not counter and isinstance(copy, CountEpochs)
    assert copy.epochs == est.n_iter_


@pytest.mark.parametrize("bad", [[object()], ["History"], [keras.callbacks.History]])
def test_invalid_callbacks_are_rejected_before_training(small_binary, no_training, bad):
    X, y = small_binary
    with pytest.raises(TypeError, match="keras.callbacks.Callback"):
        DropoutMLPClassifier(**SMALL, callbacks=bad).fit(X, y)


# --------------------------------------------------------------------------
# Early stopping's validation split


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_validation_split_too_small_names_validation_fraction(
    small_binary, no_training, Estimator
):
    X, y = small_binary
    est = Estimator(**SMALL, early_stopping=True, validation_fraction=0.001)
    with pytest.raises(ValueError, match="validation_fraction=0.001"):
        est.fit(X, y)


def test_validation_split_needs_a_row_per_class(no_training):
    X, y = make_classification(
        40, 5, n_informative=3, n_classes=4, n_clusters_per_class=1, random_state=0
    )
    est = DropoutMLPClassifier(**SMALL, early_stopping=True, validation_fraction=0.05)
    with pytest.raises(ValueError, match="validation_fraction.*4 classes"):
        est.fit(X, y)


def test_another_keras_backend_is_refused_naming_keras_backend(monkeypatch):
    import keras

    from dropoutmlp._compat import check_keras_backend

    check_keras_backend()  # the suite runs on TensorFlow
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")
    with pytest.raises(ImportError, match="KERAS_BACKEND=tensorflow"):
        check_keras_backend()
