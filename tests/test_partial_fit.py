"""partial_fit and warm_start with MLPClassifier's semantics; dask-ml Incremental."""

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

PARAMS = dict(
    hidden_layer_sizes=(8,),
    dropout=0.2,
    batch_size=16,
    learning_rate=0.01,
    n_iter_no_change=np.inf,
    random_state=0,
)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        90, 5, n_informative=3, n_redundant=0, n_classes=3, random_state=0
    )
    return StandardScaler().fit_transform(X), y


def _same(a, b, X):
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)


# --------------------------------------------------------------------------
# partial_fit


def test_classes_are_required_on_the_first_call(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS)
    with pytest.raises(ValueError, match="classes must be passed"):
        est.partial_fit(X, y)
    assert not hasattr(est, "model_")


def test_first_call_may_miss_classes_later_ones_may_not_add_any(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS)
    first = y < 2
    est.partial_fit(X[first], y[first], classes=[0, 1, 2])
    np.testing.assert_array_equal(est.classes_, [0, 1, 2])
    assert est.predict_proba(X).shape == (len(X), 3)
    est.partial_fit(X, y)  # class 2 was announced
    with pytest.raises(ValueError, match=r"classes \[5\] not in classes_"):
        est.partial_fit(X, np.where(y == 2, 5, y))
    with pytest.raises(ValueError, match="not the same as on the first call"):
        est.partial_fit(X, y, classes=[0, 1])
    est.partial_fit(X, y, classes=[2, 1, 0])  # the same classes: fine


def test_one_epoch_per_call(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=50)
    for calls in range(1, 4):
        est.partial_fit(X, y, classes=np.unique(y))
        # As MLPClassifier: n_iter_ is this call's epochs, the curve grows.
        assert est.n_iter_ == 1
        assert len(est.loss_curve_) == calls
    assert est.loss_curve_[-1] < est.loss_curve_[0]


def test_partial_fit_calls_continue_the_optimizer(data):
    """Three one-epoch calls are exactly one three-epoch fit."""
    X, y = data
    streamed = DropoutMLPClassifier(**PARAMS)
    for _ in range(3):
        streamed.partial_fit(X, y, classes=np.unique(y))
    whole = DropoutMLPClassifier(**PARAMS, epochs=3).fit(X, y)
    _same(streamed, whole, X)
    np.testing.assert_allclose(streamed.loss_curve_, whole.loss_curve_, rtol=1e-5)
    # Restarting the optimizer (fresh Adam moments) gives another model.
    restarted = DropoutMLPClassifier(**PARAMS, epochs=1).fit(X, y)
    restarted._optimizer_state = None
    for _ in range(2):
        restarted.partial_fit(X, y)
    assert np.abs(restarted.predict_proba(X) - whole.predict_proba(X)).max() > 1e-4


def test_partial_fit_after_fit_continues(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=2).fit(X, y)
    est.partial_fit(X, y)
    assert est.n_iter_ == 1 and len(est.loss_curve_) == 3
    _same(est, DropoutMLPClassifier(**PARAMS, epochs=3).fit(X, y), X)


def test_partial_fit_continues_after_pickling(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS)
    est.partial_fit(X, y, classes=np.unique(y))
    restored = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    restored.partial_fit(X, y)
    _same(est, restored, X)


def test_partial_fit_rejects_early_stopping(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, early_stopping=True)
    with pytest.raises(ValueError, match="early_stopping"):
        est.partial_fit(X, y, classes=np.unique(y))


def test_partial_fit_rejects_balanced_class_weight(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, class_weight="balanced")
    with pytest.raises(ValueError, match="balanced.*partial_fit"):
        est.partial_fit(X, y, classes=np.unique(y))
    weighted = DropoutMLPClassifier(**PARAMS, class_weight={0: 1.0, 1: 2.0, 2: 1.0})
    weighted.partial_fit(X[y == 0], y[y == 0], classes=np.unique(y))  # dict: fine


def test_regressor_partial_fit_keeps_the_first_target_scale(data):
    X, _ = data
    y = 50 * X[:, 0] + 10
    reg = DropoutMLPRegressor(**PARAMS)
    reg.partial_fit(X[:45], y[:45])
    mean, scale = reg.target_mean_.copy(), reg.target_scale_.copy()
    reg.partial_fit(X[45:], y[45:] + 1000)
    np.testing.assert_array_equal(reg.target_mean_, mean)
    np.testing.assert_array_equal(reg.target_scale_, scale)
    assert len(reg.loss_curve_) == 2
    with pytest.raises(ValueError, match="2 target"):
        reg.partial_fit(X, np.column_stack([y, y]))


# --------------------------------------------------------------------------
# warm_start


def test_warm_start_continues_weights_and_optimizer(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=3).fit(X, y)
    est.set_params(warm_start=True, epochs=2).fit(X, y)
    assert est.n_iter_ == 2 and len(est.loss_curve_) == 5
    whole = DropoutMLPClassifier(**PARAMS, epochs=5).fit(X, y)
    _same(est, whole, X)
    # Without warm_start, fit starts over.
    cold = clone(est).set_params(warm_start=False, epochs=3).fit(X, y)
    cold.set_params(epochs=2).fit(X, y)
    assert cold.n_iter_ == 2
    _same(cold, DropoutMLPClassifier(**PARAMS, epochs=2).fit(X, y), X)


def test_warm_start_on_an_unfitted_estimator_fits(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=2, warm_start=True).fit(X, y)
    _same(est, DropoutMLPClassifier(**PARAMS, epochs=2).fit(X, y), X)


def test_warm_start_needs_the_same_classes(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=2, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start.*same classes"):
        est.fit(X[y < 2], y[y < 2])
    est.fit(X, y)  # the same classes: continues


def test_warm_start_needs_the_same_network(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=2, warm_start=True).fit(X, y)
    est.set_params(hidden_layer_sizes=(4,))
    with pytest.raises(ValueError, match="layer sizes.*warm_start=False"):
        est.fit(X, y)
    with pytest.raises(ValueError, match="features"):
        est.set_params(hidden_layer_sizes=(8,)).fit(X[:, :3], y)


def test_warm_start_with_early_stopping_runs_again(data):
    X, y = data
    est = DropoutMLPClassifier(
        **{**PARAMS, "n_iter_no_change": 2}, epochs=40, early_stopping=True
    )
    est.fit(X, y)
    first = len(est.validation_scores_)
    est.set_params(warm_start=True).fit(X, y)
    assert len(est.validation_scores_) == len(est.loss_curve_) == first + est.n_iter_


# --------------------------------------------------------------------------
# dask-ml


def test_dask_ml_incremental_on_a_dask_array(data):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = data
    X_dask = da.from_array(X, chunks=30)
    y_dask = da.from_array(y, chunks=30)
    inc = wrappers.Incremental(
        DropoutMLPClassifier(**PARAMS), scoring="accuracy", shuffle_blocks=False
    )
    inc.fit(X_dask, y_dask, classes=np.unique(y))
    fitted = inc.estimator_
    assert len(fitted.loss_curve_) == 3  # one partial_fit call, one epoch, per block
    # ... exactly as partial_fit on the blocks in turn.
    manual = DropoutMLPClassifier(**PARAMS)
    for block in range(0, len(X), 30):
        rows = slice(block, block + 30)
        manual.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
    _same(fitted, manual, X)
    assert inc.predict(X_dask).compute().shape == y.shape
    assert 0.0 <= inc.score(X_dask, y_dask) <= 1.0
    # Incremental.partial_fit: another epoch over the blocks, continuing.
    inc.partial_fit(X_dask, y_dask)
    assert len(inc.estimator_.loss_curve_) == 6


def test_warm_start_with_new_dropout_keeps_the_weights(data):
    X, y = data
    est = DropoutMLPClassifier(**PARAMS, epochs=2, warm_start=True).fit(X, y)
    est.fit(X, y)
    weights = [w.copy() for w in est.model_.get_weights()]
    est.set_params(dropout=0.5, epochs=1, learning_rate=1e-9).fit(X, y)
    rates = [la.rate for la in est.model_.layers if hasattr(la, "rate")]
    assert rates == [0.5]  # rebuilt with the new rate...
    for before, after in zip(weights, est.model_.get_weights(), strict=True):
        np.testing.assert_allclose(after, before, atol=1e-6)  # ...from the weights
    assert len(est.loss_curve_) == 5
