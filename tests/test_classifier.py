"""What is particular to DropoutMLPClassifier: its targets (binary,
multiclass, multilabel, any labels), its fitted attributes, and its place
among scikit-learn's classifiers (stratified cross-validation, calibration,
stacking).  What it shares with the regressor is tested by concern:
parameters (test_params), failures (test_failures), weights (test_weights),
the network (test_network), stopping (test_stopping), random_state
(test_random_state), persistence (test_persistence) and the scikit-learn
contract (test_common)."""

import keras
import numpy as np
import pytest
from scikeras.wrappers import KerasClassifier
from sklearn.base import clone, is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_multilabel_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, check_cv, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier

SMALL = dict(
    hidden_layer_sizes=(8,),
    epochs=20,
    batch_size=32,
    learning_rate=0.02,
    random_state=0,
)


# --------------------------------------------------------------------------
# Targets


def test_binary_target_has_one_sigmoid_unit(binary):
    X, y = binary
    est = DropoutMLPClassifier(**SMALL).fit(X, y)
    out = est.model_.layers[-1]
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
    out = est.model_.layers[-1]
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
    out = est.model_.layers[-1]
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
def test_string_and_non_contiguous_labels(classification, labels):
    X, y_idx = classification(90, 6, len(labels), seed=2)
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


def test_cross_val_score_stratifies(classification):
    # Sorted labels: unstratified KFold(10) would put one class per fold.
    X, _ = classification(100, 6, 2, seed=5)
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
