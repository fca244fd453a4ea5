"""Behaviour of DropoutMLPClassifier as a scikit-learn classifier."""

import json
import os
import pickle
import random
import subprocess
import sys
import warnings

import joblib
import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf
from scikeras.wrappers import KerasClassifier
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.class_weight import compute_sample_weight

from dropoutmlp import ARTICLE_MODELS, DropoutMLPClassifier, _engine, article_model

SMALL = dict(
    hidden_layer_sizes=(8,),
    epochs=20,
    batch_size=32,
    learning_rate=0.02,
    random_state=0,
)


def _make(n=80, n_features=6, n_classes=2, seed=0, **kw):
    X, y = make_classification(
        n,
        n_features,
        n_informative=4,
        n_redundant=0,
        n_classes=n_classes,
        class_sep=1.5,
        random_state=seed,
        **kw,
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def binary():
    return _make()


@pytest.fixture(scope="module")
def multiclass():
    return _make(n=90, n_classes=3, seed=1)


@pytest.fixture(scope="module")
def fitted(binary):
    X, y = binary
    return DropoutMLPClassifier(**SMALL).fit(X, y)


@pytest.fixture
def no_training(monkeypatch):
    """Fail loudly if a fit reaches the training engine."""

    def boom(*args, **kwargs):
        raise AssertionError("training started before the input was validated")

    monkeypatch.setattr(_engine, "train", boom)


def _dense(est):
    return [la for la in est.model_.layers if isinstance(la, keras.layers.Dense)]


# --------------------------------------------------------------------------
# Targets


def test_binary_target_has_one_sigmoid_unit(binary):
    X, y = binary
    est = DropoutMLPClassifier(**SMALL).fit(X, y)
    out = _dense(est)[-1]
    assert out.units == 1
    assert out.activation is keras.activations.sigmoid
    np.testing.assert_array_equal(est.classes_, [0, 1])
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    # The second column is the sigmoid unit: P(classes_[1]).
    raw = np.asarray(est.model_(X.astype(np.float32), training=False))[:, 0]
    np.testing.assert_allclose(proba[:, 1], raw, atol=1e-5)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(1)])
    assert est.score(X, y) > 0.9


def test_multiclass_target_has_a_softmax_layer(multiclass):
    X, y = multiclass
    est = DropoutMLPClassifier(**{**SMALL, "hidden_layer_sizes": (16,)}).fit(X, y)
    out = _dense(est)[-1]
    assert out.units == 3
    assert out.activation is keras.activations.softmax
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    np.testing.assert_array_equal(est.predict(X), est.classes_[proba.argmax(1)])
    assert est.score(X, y) > 0.8
    log_proba = est.predict_log_proba(X)
    np.testing.assert_allclose(np.exp(log_proba), proba, rtol=1e-6)


def test_multilabel_indicator_target():
    X, Y = make_multilabel_classification(
        80, 6, n_classes=3, n_labels=2, random_state=0
    )
    X = StandardScaler().fit_transform(X)
    est = DropoutMLPClassifier((16,), dropout=0.0, epochs=30, random_state=0)
    est.fit(X, Y)
    out = _dense(est)[-1]
    assert out.units == 3
    assert out.activation is keras.activations.sigmoid
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    pred = est.predict(X)
    proba = est.predict_proba(X)
    assert pred.shape == proba.shape == Y.shape
    assert set(np.unique(pred)) <= {0, 1}
    np.testing.assert_array_equal(pred, (proba > 0.5).astype(pred.dtype))
    # Per-label accuracy beats always predicting each label's majority value.
    majority = np.maximum(Y.mean(0), 1 - Y.mean(0))
    assert np.all((pred == Y).mean(0) >= majority)
    assert (pred == Y).mean() > majority.mean()


@pytest.mark.parametrize(
    "labels",
    [
        np.array(["yes", "no"]),
        np.array([7, -3]),
        np.array(["zebra", "ant", "mole"]),
        np.array([11, 2, 5]),
    ],
    ids=["str-binary", "int-binary", "str-multiclass", "int-multiclass"],
)
def test_string_and_non_contiguous_labels(labels):
    X, y_idx = _make(n=90, n_classes=len(labels), seed=2)
    y = labels[y_idx]
    est = DropoutMLPClassifier(**{**SMALL, "hidden_layer_sizes": (16,)}).fit(X, y)
    np.testing.assert_array_equal(est.classes_, np.sort(labels))
    proba = est.predict_proba(X)
    assert proba.shape == (len(X), len(labels))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    pred = est.predict(X)
    assert pred.dtype == y.dtype
    np.testing.assert_array_equal(pred, est.classes_[proba.argmax(1)])
    # Columns follow classes_: the probability given to each row's true class
    # is high (a column mix-up would make it low).
    true_col = np.searchsorted(est.classes_, y)
    assert proba[np.arange(len(y)), true_col].mean() > 0.65
    assert np.mean(pred == y) > 0.8


def test_column_vector_y_is_accepted(binary):
    X, y = binary
    a = DropoutMLPClassifier(**SMALL).fit(X, y)
    with pytest.warns(Warning):
        b = DropoutMLPClassifier(**SMALL).fit(X, y[:, None])
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


# --------------------------------------------------------------------------
# Weights


def test_zero_sample_weight_equals_dropping_rows(binary):
    X, y = binary
    sw = np.ones(len(y))
    sw[::4] = 0.0
    keep = sw > 0
    weighted = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=sw)
    dropped = DropoutMLPClassifier(**SMALL).fit(X[keep], y[keep])
    np.testing.assert_allclose(
        weighted.predict_proba(X), dropped.predict_proba(X), atol=1e-6
    )


def test_sample_weight_changes_the_model(binary):
    X, y = binary
    plain = DropoutMLPClassifier(**SMALL).fit(X, y)
    ones = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(plain.predict_proba(X), ones.predict_proba(X), atol=1e-6)
    sw = np.where(y == 1, 10.0, 1.0)
    heavy = DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=sw)
    # Up-weighting class 1 raises its predicted probability.
    assert heavy.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


def test_class_weight_equals_sample_weight(multiclass):
    X, y = multiclass
    cw = {0: 1.0, 1: 3.0, 2: 0.5}
    by_class = DropoutMLPClassifier(class_weight=cw, **SMALL).fit(X, y)
    by_row = DropoutMLPClassifier(**SMALL).fit(
        X, y, sample_weight=np.array([cw[c] for c in y])
    )
    plain = DropoutMLPClassifier(**SMALL).fit(X, y)
    np.testing.assert_allclose(
        by_class.predict_proba(X), by_row.predict_proba(X), atol=1e-6
    )
    assert np.abs(by_class.predict_proba(X) - plain.predict_proba(X)).max() > 1e-3


def test_balanced_class_weight_favours_the_minority():
    X, y = make_classification(
        200,
        6,
        n_informative=3,
        n_redundant=0,
        weights=[0.9, 0.1],
        class_sep=0.5,
        flip_y=0.05,
        random_state=3,
    )
    X = StandardScaler().fit_transform(X)
    params = dict(hidden_layer_sizes=(8,), epochs=15, random_state=0)
    plain = DropoutMLPClassifier(**params).fit(X, y)
    balanced = DropoutMLPClassifier(class_weight="balanced", **params).fit(X, y)
    by_row = DropoutMLPClassifier(**params).fit(
        X, y, sample_weight=compute_sample_weight("balanced", y)
    )
    np.testing.assert_allclose(
        balanced.predict_proba(X), by_row.predict_proba(X), atol=1e-6
    )
    minority = 1
    assert np.bincount(y)[minority] < 0.2 * len(y)
    assert (balanced.predict(X) == minority).sum() > (
        plain.predict(X) == minority
    ).sum()
    assert (
        balanced.predict_proba(X)[:, minority].mean()
        > plain.predict_proba(X)[:, minority].mean()
    )


def test_class_weight_combines_with_sample_weight(binary):
    X, y = binary
    sw = np.random.RandomState(0).uniform(0.5, 2.0, len(y))
    cw = {0: 2.0, 1: 1.0}
    both = DropoutMLPClassifier(class_weight=cw, **SMALL).fit(X, y, sample_weight=sw)
    product = DropoutMLPClassifier(**SMALL).fit(
        X, y, sample_weight=sw * np.where(y == 0, 2.0, 1.0)
    )
    np.testing.assert_allclose(
        both.predict_proba(X), product.predict_proba(X), atol=1e-6
    )


# --------------------------------------------------------------------------
# Fitted attributes


def test_fitted_attributes(binary):
    X, y = binary
    est = DropoutMLPClassifier(
        (8,), dropout=0.1, epochs=25, learning_rate=0.01, random_state=0
    ).fit(X, y)
    np.testing.assert_array_equal(est.classes_, [0, 1])
    assert est.n_features_in_ == X.shape[1]
    assert not hasattr(est, "feature_names_in_")
    assert isinstance(est.model_, keras.Model)
    assert est.model_.input_shape == (None, X.shape[1])
    assert est.n_iter_ == 25
    assert len(est.loss_curve_) == est.n_iter_
    assert all(isinstance(v, float) and np.isfinite(v) for v in est.loss_curve_)
    # Decreasing overall: the last epochs are well below the first ones.
    assert np.mean(est.loss_curve_[-5:]) < 0.8 * np.mean(est.loss_curve_[:3])
    assert est.loss_ == est.loss_curve_[-1]
    # The stopping rule's signal: the loss with dropout off, one per epoch.
    assert len(est.eval_loss_curve_) == est.n_iter_
    assert est.best_loss_ == min(est.eval_loss_curve_)
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None
    assert est.engine_ == "graph"


def test_feature_names_in_with_a_dataframe(binary):
    X, y = binary
    columns = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    est = DropoutMLPClassifier(**SMALL).fit(df, pd.Series(y, name="target"))
    np.testing.assert_array_equal(est.feature_names_in_, columns)
    assert est.n_features_in_ == len(columns)
    ref = DropoutMLPClassifier(**SMALL).fit(X, y)
    np.testing.assert_allclose(est.predict_proba(df), ref.predict_proba(X), atol=1e-6)
    with pytest.raises(ValueError, match="feature names"):
        est.predict(df.rename(columns={"f0": "other"}))
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(X)


def _stops_at(scores, tol, patience):
    """MLPClassifier's early-stopping rule: the epoch count where it stops."""
    best, count = -np.inf, 0
    for epoch, score in enumerate(scores, start=1):
        count = count + 1 if score < best + tol else 0
        best = max(best, score)
        if count > patience:
            return epoch
    return len(scores)


def test_early_stopping_attributes(binary):
    X, y = binary
    est = DropoutMLPClassifier(
        (8,),
        epochs=300,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        random_state=0,
    ).fit(X, y)
    assert est.n_iter_ < 300
    assert len(est.validation_scores_) == len(est.loss_curve_) == est.n_iter_
    assert all(0.0 <= s <= 1.0 for s in est.validation_scores_)
    assert est.best_validation_score_ == max(est.validation_scores_)
    # It stopped exactly when scikit-learn's rule says so.
    assert _stops_at(est.validation_scores_, est.tol, 3) == est.n_iter_


def test_without_early_stopping_the_training_loss_decides(binary):
    X, y = binary
    params = dict(hidden_layer_sizes=(8,), epochs=300, tol=1e-2, random_state=0)
    est = DropoutMLPClassifier(n_iter_no_change=2, **params).fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) < 300
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None
    # It stopped exactly when MLPClassifier's rule on the loss says so.
    scores = [-loss for loss in est.loss_curve_]
    assert _stops_at(scores, est.tol, 2) == est.n_iter_
    # n_iter_no_change=np.inf: every epoch runs, and no ConvergenceWarning.
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        every = DropoutMLPClassifier(n_iter_no_change=np.inf, **params).fit(X, y)
    assert every.n_iter_ == len(every.loss_curve_) == 300
    assert every.loss_curve_[: est.n_iter_] == est.loss_curve_


def test_convergence_warning_when_epochs_run_out(binary):
    X, y = binary
    with pytest.warns(ConvergenceWarning, match="epochs=3.*training loss"):
        DropoutMLPClassifier((8,), epochs=3, random_state=0).fit(X, y)
    with pytest.warns(ConvergenceWarning, match="epochs=3.*validation score"):
        DropoutMLPClassifier((8,), epochs=3, early_stopping=True, random_state=0).fit(
            X, y
        )


# --------------------------------------------------------------------------
# A classifier for scikit-learn


def test_is_classifier():
    assert is_classifier(DropoutMLPClassifier())
    assert is_classifier(make_pipeline(StandardScaler(), DropoutMLPClassifier()))
    assert DropoutMLPClassifier().__sklearn_tags__().estimator_type == "classifier"
    y = np.repeat([0, 1], 50)
    assert isinstance(
        check_cv(10, y, classifier=is_classifier(DropoutMLPClassifier())),
        StratifiedKFold,
    )


def test_plain_scikeras_keras_classifier_is_not_a_classifier_here():
    # The bug DropoutMLPClassifier fixes: on this scikit-learn, scikeras'
    # KerasClassifier is not recognised as a classifier, so cv=10 would not
    # stratify.
    assert not is_classifier(KerasClassifier(model=None))


def test_cross_val_score_stratifies():
    # Sorted labels: unstratified KFold(10) would put one class per fold.
    X, _ = _make(n=100, seed=5)
    y = np.repeat([0, 1], 50)
    folds = []

    def recorder(est, X_test, y_test):
        folds.append(np.bincount(y_test, minlength=2))
        return est.score(X_test, y_test)

    est = DropoutMLPClassifier((4,), epochs=2, random_state=0)
    scores = cross_val_score(est, X, y, cv=10, scoring=recorder)
    assert len(folds) == 10
    for counts in folds:
        np.testing.assert_array_equal(counts, [5, 5])
    # The same scores as fitting by hand on StratifiedKFold(10)'s folds.
    manual = [
        clone(est).fit(X[tr], y[tr]).score(X[te], y[te])
        for tr, te in StratifiedKFold(10).split(X, y)
    ]
    np.testing.assert_allclose(scores, manual)


# --------------------------------------------------------------------------
# The article's models


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


def test_other_keras_optimizers_train_through_model_fit(binary):
    X, y = binary
    est = DropoutMLPClassifier(
        (8,), optimizer="adagrad", learning_rate=0.1, epochs=3, random_state=0
    ).fit(X, y)
    assert est.engine_ == "keras"
    assert est.n_iter_ == len(est.loss_curve_) == 3
    assert isinstance(est.model_.optimizer, keras.optimizers.Adagrad)
    assert float(est.model_.optimizer.learning_rate) == pytest.approx(0.1)


def test_optimizer_instance_is_copied_not_used(binary):
    X, y = binary
    opt = keras.optimizers.SGD(learning_rate=0.05, momentum=0.5)
    est = DropoutMLPClassifier((8,), optimizer=opt, epochs=3, random_state=0)
    est.fit(X, y)
    assert est.optimizer is opt
    assert est.model_.optimizer is not opt
    assert int(opt.iterations) == 0
    assert float(est.model_.optimizer.learning_rate) == pytest.approx(0.05)
    assert est.score(X, y) > 0.6


# --------------------------------------------------------------------------
# Reproducibility and TensorFlow's global state


def test_same_random_state_same_model(binary):
    X, y = binary
    params = dict(
        hidden_layer_sizes=(8,),
        input_dropout=0.2,
        dropout=0.3,
        epochs=15,
        early_stopping=True,
        n_iter_no_change=20,
        random_state=42,
    )
    a = DropoutMLPClassifier(**params).fit(X, y)
    b = DropoutMLPClassifier(**params).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    assert a.loss_curve_ == b.loss_curve_
    c = DropoutMLPClassifier(**params).set_params(random_state=43).fit(X, y)
    assert np.abs(a.predict_proba(X) - c.predict_proba(X)).max() > 1e-3


def test_random_state_instance_is_accepted(binary):
    X, y = binary
    a = DropoutMLPClassifier((8,), epochs=5, random_state=np.random.RandomState(1))
    b = DropoutMLPClassifier((8,), epochs=5, random_state=np.random.RandomState(1))
    np.testing.assert_allclose(
        a.fit(X, y).predict_proba(X), b.fit(X, y).predict_proba(X), atol=1e-6
    )


def test_random_state_none_works_and_varies(binary):
    X, y = binary
    a = DropoutMLPClassifier((8,), epochs=5, random_state=None).fit(X, y)
    b = DropoutMLPClassifier((8,), epochs=5, random_state=None).fit(X, y)
    assert a.predict_proba(X).shape == (len(X), 2)
    assert np.abs(a.predict_proba(X) - b.predict_proba(X)).max() > 1e-6


def _op_determinism():
    # Public as tf.config.experimental.is_op_determinism_enabled in some
    # TensorFlow versions, only in tensorflow.python.framework.config in 2.21.
    public = getattr(tf.config.experimental, "is_op_determinism_enabled", None)
    if public is not None:
        return public()
    from tensorflow.python.framework import config

    return config.is_op_determinism_enabled()


def _draws():
    return tf.random.uniform((4,)).numpy()


def _fit_and_mc_predict(X, y):
    est = DropoutMLPClassifier((8,), dropout=0.3, epochs=3, random_state=0)
    est.fit(X, y)
    est.mc_predict_proba(X, n_samples=3, random_state=0)


def test_fit_leaves_tensorflow_global_state_alone(binary):
    X, y = binary
    determinism = _op_determinism()
    generator = tf.random.get_global_generator()
    twin = tf.random.Generator.from_state(
        generator.state.numpy().copy(), alg=generator.algorithm
    )

    # The global-seed op sequence, without and with a fit in between.
    tf.random.set_seed(1234)
    expected = [_draws(), _draws()]
    tf.random.set_seed(1234)
    first = _draws()
    _fit_and_mc_predict(X, y)
    second = _draws()
    np.testing.assert_array_equal(first, expected[0])
    np.testing.assert_array_equal(second, expected[1])

    assert _op_determinism() == determinism
    # The global generator was neither replaced, reseeded nor drawn from.
    assert tf.random.get_global_generator() is generator
    np.testing.assert_array_equal(generator.state.numpy(), twin.state.numpy())
    np.testing.assert_array_equal(
        generator.uniform((5,)).numpy(), twin.uniform((5,)).numpy()
    )


def test_fit_leaves_numpy_global_rng_alone(binary):
    X, y = binary
    before = np.random.get_state()  # noqa: NPY002
    _fit_and_mc_predict(X, y)
    after = np.random.get_state()  # noqa: NPY002
    assert after[0] == before[0]
    np.testing.assert_array_equal(after[1], before[1])
    assert after[2:] == before[2:]


def test_fit_leaves_python_global_rng_alone(binary):
    X, y = binary
    before = random.getstate()
    _fit_and_mc_predict(X, y)
    assert random.getstate() == before


# --------------------------------------------------------------------------
# Clone, pickle, joblib, fresh processes

REPRO_PARAMS = dict(
    hidden_layer_sizes=(8,), input_dropout=0.1, dropout=0.3, epochs=8, random_state=7
)

_FRESH_SCRIPT = """
import json, pickle, sys
import numpy as np
from sklearn.datasets import make_classification
from dropoutmlp import DropoutMLPClassifier
params, pickle_path = json.loads(sys.argv[1]), sys.argv[2]
params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
X, y = make_classification(60, 5, random_state=0)
fresh = DropoutMLPClassifier(**params).fit(X, y).predict_proba(X)
with open(pickle_path, "rb") as f:
    unpickled = pickle.load(f).predict_proba(X)
print(json.dumps({"fresh": fresh.tolist(), "unpickled": unpickled.tolist()}))
"""


@pytest.fixture(scope="module")
def fresh_process(tmp_path_factory):
    """Fit and pickle here; refit and unpickle in a new Python process."""
    X, y = make_classification(60, 5, random_state=0)
    est = DropoutMLPClassifier(**REPRO_PARAMS).fit(X, y)
    path = tmp_path_factory.mktemp("fresh") / "est.pkl"
    path.write_bytes(pickle.dumps(est))
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    done = subprocess.run(
        [sys.executable, "-c", _FRESH_SCRIPT, json.dumps(REPRO_PARAMS), str(path)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    return est.predict_proba(X), np.array(out["fresh"]), np.array(out["unpickled"])


def test_same_random_state_same_predictions_in_a_fresh_process(fresh_process):
    here, fresh, _ = fresh_process
    np.testing.assert_allclose(fresh, here, atol=1e-6)


def test_unpickled_in_a_fresh_process_predicts_the_same(fresh_process):
    here, _, unpickled = fresh_process
    np.testing.assert_allclose(unpickled, here, atol=1e-6)


def test_clone(fitted, binary):
    X, y = binary
    unfitted = clone(fitted)
    assert not hasattr(unfitted, "model_")
    assert unfitted.get_params() == fitted.get_params()
    refit = unfitted.fit(X, y)
    np.testing.assert_allclose(
        refit.predict_proba(X), fitted.predict_proba(X), atol=1e-6
    )


def _assert_same_fitted(a, b, X):
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.classes_, b.classes_)
    assert a.loss_curve_ == b.loss_curve_
    assert a.n_iter_ == b.n_iter_
    assert a.n_features_in_ == b.n_features_in_
    assert a.get_params() == b.get_params()


def test_pickle_round_trip(fitted, binary):
    X, _ = binary
    restored = pickle.loads(pickle.dumps(fitted))
    _assert_same_fitted(fitted, restored, X)
    a = fitted.mc_predict_proba(X, n_samples=5, random_state=0)
    b = restored.mc_predict_proba(X, n_samples=5, random_state=0)
    np.testing.assert_allclose(a[0], b[0], atol=1e-6)


def test_unpickling_is_warning_free(fitted):
    data = pickle.dumps(fitted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = pickle.loads(data)
    # Third-party DeprecationWarnings aside, a round trip warns about nothing.
    user_warnings = [
        str(w.message) for w in caught if issubclass(w.category, UserWarning)
    ]
    assert user_warnings == []
    assert restored.n_iter_ == fitted.n_iter_


def test_pickle_unfitted_round_trip():
    est = DropoutMLPClassifier((3, 2), dropout=(0.1, 0.2), optimizer__beta_1=0.5)
    restored = pickle.loads(pickle.dumps(est))
    assert restored.get_params() == est.get_params()
    assert not hasattr(restored, "model_")


def test_joblib_round_trip(fitted, binary, tmp_path):
    X, _ = binary
    path = tmp_path / "est.joblib"
    joblib.dump(fitted, path)
    _assert_same_fitted(fitted, joblib.load(path), X)


def test_fitted_estimator_can_be_refit_after_unpickling(fitted, binary):
    X, y = binary
    restored = pickle.loads(pickle.dumps(fitted))
    restored.fit(X, y)
    np.testing.assert_allclose(
        restored.predict_proba(X), fitted.predict_proba(X), atol=1e-6
    )


# --------------------------------------------------------------------------
# Meta-estimators


def test_grid_search_in_parallel(binary):
    X, y = binary
    grid = GridSearchCV(
        DropoutMLPClassifier((8,), epochs=5, random_state=0),
        {"dropout": [0.0, 0.5]},
        cv=2,
        n_jobs=2,
    ).fit(X, y)
    assert grid.best_params_["dropout"] in (0.0, 0.5)
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.dropout == grid.best_params_["dropout"]
    assert grid.predict(X).shape == y.shape
    # Workers fit the same models as this process would.
    manual = cross_val_score(
        DropoutMLPClassifier((8,), epochs=5, random_state=0, dropout=0.5),
        X,
        y,
        cv=2,
    )
    np.testing.assert_allclose(grid.cv_results_["mean_test_score"][1], manual.mean())


def test_calibrated_classifier(binary):
    X, y = binary
    cal = CalibratedClassifierCV(DropoutMLPClassifier(**SMALL), cv=3).fit(X, y)
    proba = cal.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert cal.score(X, y) > 0.7


def test_stacking_classifier(multiclass):
    from sklearn.ensemble import StackingClassifier

    X, y = multiclass
    stack = StackingClassifier(
        [("mlp", DropoutMLPClassifier(**SMALL)), ("lr", LogisticRegression())],
        final_estimator=LogisticRegression(),
        cv=3,
    ).fit(X, y)
    assert stack.predict_proba(X).shape == (len(X), 3)
    assert stack.score(X, y) > 0.6


def test_pipeline_with_standard_scaler(binary):
    X, y = binary
    X_raw = X * 100.0 + 50.0
    pipe = make_pipeline(StandardScaler(), DropoutMLPClassifier(**SMALL))
    pipe.fit(X_raw, y)
    assert pipe.score(X_raw, y) > 0.8
    direct = DropoutMLPClassifier(**SMALL).fit(StandardScaler().fit_transform(X_raw), y)
    np.testing.assert_allclose(
        pipe.predict_proba(X_raw),
        direct.predict_proba(StandardScaler().fit_transform(X_raw)),
        atol=1e-6,
    )
    pipe.set_params(dropoutmlpclassifier__dropout=0.0)
    assert pipe[-1].dropout == 0.0


# --------------------------------------------------------------------------
# get_params / set_params and routed optimizer parameters


def test_get_params_and_set_params():
    est = DropoutMLPClassifier()
    params = est.get_params()
    expected = {
        "hidden_layer_sizes": (100,),
        "activation": "relu",
        "input_dropout": 0.0,
        "dropout": 0.2,
        "max_norm": 3.0,
        "optimizer": "adam",
        "learning_rate": 0.001,
        "momentum": 0.9,
        "nesterov": False,
        "alpha": 0.0001,
        "batch_size": 64,
        "epochs": 200,
        "early_stopping": False,
        "validation_fraction": 0.1,
        "n_iter_no_change": 10,
        "class_weight": None,
        "random_state": None,
        "verbose": 0,
    }
    for key, value in expected.items():
        assert params[key] == value, key
    assert est.set_params(dropout=0.4, hidden_layer_sizes=(5,)) is est
    assert est.dropout == 0.4
    assert est.get_params()["hidden_layer_sizes"] == (5,)


def test_routed_optimizer_param_reaches_the_optimizer(binary):
    X, y = binary
    est = DropoutMLPClassifier((8,), epochs=5, random_state=0, optimizer__beta_1=0.5)
    assert est.get_params()["optimizer__beta_1"] == 0.5
    cloned = clone(est)
    assert cloned.get_params()["optimizer__beta_1"] == 0.5
    est.fit(X, y)
    assert est.model_.optimizer.beta_1 == pytest.approx(0.5)
    # It changes the training itself, not just the optimizer left behind.
    default = DropoutMLPClassifier((8,), epochs=5, random_state=0).fit(X, y)
    assert default.model_.optimizer.beta_1 == pytest.approx(0.9)
    assert not np.allclose(est.loss_curve_, default.loss_curve_, rtol=1e-4)
    # And clone keeps it: same model.
    cloned.fit(X, y)
    assert cloned.loss_curve_ == est.loss_curve_
    est.set_params(optimizer__beta_1=0.7)
    assert est.get_params()["optimizer__beta_1"] == 0.7
    assert est.fit(X, y).model_.optimizer.beta_1 == pytest.approx(0.7)


def test_routed_param_in_a_pipeline(binary):
    X, y = binary
    pipe = make_pipeline(StandardScaler(), DropoutMLPClassifier((8,), epochs=2))
    pipe.set_params(dropoutmlpclassifier__optimizer__beta_2=0.95)
    pipe = clone(pipe).fit(X, y)
    assert pipe[-1].model_.optimizer.beta_2 == pytest.approx(0.95)


def test_routed_param_unknown_to_the_optimizer_is_an_error(binary):
    X, y = binary
    est = DropoutMLPClassifier((8,), epochs=2, optimizer="sgd", optimizer__rho=0.5)
    with pytest.raises((TypeError, ValueError), match="rho"):
        est.fit(X, y)


def test_unsupported_routed_prefix_is_an_error():
    with pytest.raises(TypeError, match="loss__from_logits"):
        DropoutMLPClassifier((8,), epochs=2, loss__from_logits=True)
    with pytest.raises(ValueError, match="loss__from_logits"):
        DropoutMLPClassifier().set_params(loss__from_logits=True)


# --------------------------------------------------------------------------
# Bad input


def _X_with(value):
    X, _ = _make(n=20)
    X = X.copy()
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


def test_non_finite_X_is_rejected_at_predict(fitted, binary):
    X = binary[0].copy()
    X[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict(X)
    X[0, 0] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        fitted.predict_proba(X)


def test_wrong_number_of_features_at_predict(fitted, binary):
    X = binary[0]
    for method in (fitted.predict, fitted.predict_proba):
        with pytest.raises(ValueError, match=r"4 features.*expecting 6"):
            method(X[:, :4])
    with pytest.raises(ValueError, match="features"):
        fitted.mc_predict_proba(X[:, :4], n_samples=2)


def test_single_class_is_rejected(binary, no_training):
    X, _ = binary
    with pytest.raises(ValueError, match=r"(one|single) class"):
        DropoutMLPClassifier(**SMALL).fit(X, np.full(len(X), "only"))


def test_mismatched_lengths_are_rejected(binary, no_training):
    X, y = binary
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        DropoutMLPClassifier(**SMALL).fit(X, y[:-1])
    with pytest.raises(ValueError, match="sample_weight"):
        DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=np.ones(len(y) - 1))


def test_continuous_target_is_rejected(binary, no_training):
    X, _ = binary
    with pytest.raises(ValueError, match="[Uu]nknown label type|continuous"):
        DropoutMLPClassifier(**SMALL).fit(X, np.linspace(0, 1, len(X)))


@pytest.mark.parametrize(
    "sample_weight,match",
    [
        (-np.ones(80), "[Nn]egative"),
        (np.zeros(80), "[Ss]ample.weight"),
    ],
    ids=["negative", "all-zero"],
)
def test_bad_sample_weight(binary, no_training, sample_weight, match):
    X, y = binary
    with pytest.raises(ValueError, match=match):
        DropoutMLPClassifier(**SMALL).fit(X, y, sample_weight=sample_weight)


BAD_PARAMS = [
    (dict(input_dropout=1.0), "input_dropout"),
    (dict(input_dropout=-0.1), "input_dropout"),
    (dict(dropout=1.0), "dropout"),
    (dict(dropout=-0.2), "dropout"),
    (dict(hidden_layer_sizes=(8, 4), dropout=(0.2, 1.0)), "dropout"),
    (dict(hidden_layer_sizes=(8, 4), dropout=(-0.1, 0.2)), "dropout"),
    (dict(max_norm=0.0), "max_norm"),
    (dict(max_norm=-1.0), "max_norm"),
    (dict(hidden_layer_sizes=(8, 4), max_norm=(2.0, 0.0)), "max_norm"),
    (dict(hidden_layer_sizes=(8, 4), dropout=(0.1, 0.2, 0.3)), r"dropout.*3.*2"),
    (dict(hidden_layer_sizes=(8, 4), max_norm=(1.0,)), r"max_norm.*1.*2"),
    (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
    (dict(epochs=0), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(optimizer="nosuchopt"), "nosuchopt"),
    (dict(activation="nosuchact"), "nosuchact"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(class_weight="unbalanced"), "class_weight"),
]


@pytest.mark.parametrize(
    "params,match", BAD_PARAMS, ids=[str(p) for p, _ in BAD_PARAMS]
)
def test_bad_parameters_are_rejected_before_training(
    binary, no_training, params, match
):
    X, y = binary
    est = DropoutMLPClassifier(**{**SMALL, **params})
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


def test_predict_before_fit():
    est = DropoutMLPClassifier()
    X = np.zeros((3, 2))
    for method in (est.predict, est.predict_proba, est.predict_log_proba):
        with pytest.raises(NotFittedError):
            method(X)
    with pytest.raises(NotFittedError):
        est.mc_predict_proba(X)


def test_inputs_are_not_mutated(multiclass):
    X, y = multiclass
    X = np.asfortranarray(X)  # a layout that must be converted
    X32 = X.astype(np.float32)
    sw = np.random.RandomState(0).uniform(0.0, 2.0, len(y))
    sw[:5] = 0.0
    y_str = np.array(["a", "b", "c"])[y]
    copies = [a.copy() for a in (X, X32, y, y_str, sw)]
    hidden, rates = [8, 4], [0.1, 0.2]
    est = DropoutMLPClassifier(
        hidden,
        dropout=rates,
        max_norm=[2.0, None],
        class_weight="balanced",
        early_stopping=True,
        epochs=5,
        random_state=0,
    )
    est.fit(X, y, sample_weight=sw)
    est.predict(X)
    est.predict_proba(X)
    est.mc_predict_proba(X, n_samples=2)
    est.fit(X32, y_str, sample_weight=sw)
    est.predict(X32)
    est.predict_proba(X32)
    for a, b in zip((X, X32, y, y_str, sw), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    assert hidden == [8, 4] and rates == [0.1, 0.2]
    assert est.hidden_layer_sizes is hidden
    df = pd.DataFrame(X, columns=list("abcdef"))
    df_copy = df.copy()
    est.fit(df, y)
    est.predict(df)
    pd.testing.assert_frame_equal(df, df_copy)
