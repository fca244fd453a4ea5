"""DropoutMLPRegressor(loss="poisson"): MLPRegressor's Poisson loss and log link."""

import pickle

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.base import clone
from sklearn.metrics import mean_poisson_deviance

from dropoutmlp import DropoutMLPRegressor
from dropoutmlp._engine import _maths

# Small, fast fits: sgd, no convergence warnings (every epoch runs).
FAST = dict(
    hidden_layer_sizes=(8, 5),
    optimizer="sgd",
    learning_rate=0.02,
    momentum=0.9,
    batch_size=16,
    epochs=8,
    n_iter_no_change=np.inf,
    random_state=3,
)


def _counts(n, seed=0):
    """Count data: ``y ~ Poisson(exp(X @ w))`` on standard normal ``X``."""
    rng = np.random.RandomState(seed)
    X = rng.randn(n, 4)
    y = rng.poisson(np.exp(X @ np.array([1.0, -0.8, 0.6, 0.0])))
    return X, y.astype(float)


@pytest.fixture(scope="module")
def counts():
    return _counts(75)


def _forward(est, X):
    """The fitted network's output unit ``z`` (dropout off), in NumPy."""
    h = np.asarray(X, np.float64)
    n_dense = len(est.coefs_)
    for i, (kernel, bias) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        h = h @ kernel + bias
        if i < n_dense - 1:
            h = np.maximum(h, 0.0)  # relu
    return h


def _keras_fallback(est):
    """The same estimator trained by keras' Model.fit."""
    return clone(est).set_params(engine="keras")


def test_negative_targets_are_rejected_before_training(counts, no_training):
    X, y = counts
    y = y.copy()
    y[5] = -1.0
    est = DropoutMLPRegressor(loss="poisson", **FAST)
    with pytest.raises(ValueError, match=r"loss='poisson'.*y >= 0"):
        est.fit(X, y)
    with pytest.raises(ValueError, match=r"loss='poisson'.*y >= 0"):
        est.partial_fit(X, y)
    assert not hasattr(est, "coefs_")
    with pytest.raises(ValueError, match="loss"):
        DropoutMLPRegressor(loss="gamma").fit(X, np.abs(y))


def test_predictions_are_exp_of_the_network_times_the_scale(counts):
    X, y = counts
    sw = np.random.RandomState(1).uniform(0.5, 2.0, size=len(y))
    est = DropoutMLPRegressor(loss="poisson", dropout=0.2, **FAST)
    est.fit(X, y, sample_weight=sw)
    assert est.out_activation_ == "exp"
    assert est.n_layers_ == 4
    # No centring: the target is divided by its weighted mean only.
    np.testing.assert_array_equal(est.target_mean_, [0.0])
    np.testing.assert_allclose(est.target_scale_, [np.average(y, weights=sw)])
    pred = est.predict(X)
    assert pred.shape == y.shape
    assert (pred > 0).all()
    np.testing.assert_allclose(
        pred, np.exp(_forward(est, X)[:, 0]) * est.target_scale_[0], rtol=1e-12
    )
    # model_ is the Keras network with an exponential output, on the
    # training scale, as with the squared error.
    keras_pred = est.model_.predict(X, verbose=0)[:, 0] * est.target_scale_[0]
    np.testing.assert_allclose(keras_pred, pred, rtol=1e-5)
    assert est.model_.loss == "poisson"


def test_target_scale_without_standardisation_and_of_zeros(counts):
    X, y = counts
    raw = DropoutMLPRegressor(loss="poisson", standardize_target=False, **FAST)
    raw.fit(X, y)
    np.testing.assert_array_equal(raw.target_mean_, [0.0])
    np.testing.assert_array_equal(raw.target_scale_, [1.0])
    np.testing.assert_allclose(raw.predict(X), np.exp(_forward(raw, X)[:, 0]))
    zeros = DropoutMLPRegressor(loss="poisson", **FAST).fit(X, np.zeros(len(y)))
    np.testing.assert_array_equal(zeros.target_scale_, [1.0])
    pred = zeros.predict(X)
    assert (pred > 0).all() and pred.max() < 0.5  # heading to the zeros


def test_scaling_the_counts_scales_mean_and_std(counts):
    # Divided by its mean, 10 * y is the same training target as y: the same
    # network, with the predictions and their MC-dropout std times 10.
    X, y = counts
    est = DropoutMLPRegressor(loss="poisson", dropout=0.3, mc_samples=20, **FAST)
    small, large = clone(est).fit(X, y), clone(est).fit(X, 10 * y)
    np.testing.assert_allclose(large.predict(X), 10 * small.predict(X), rtol=1e-5)
    large_mc, small_mc = large.predict(X, return_std=True), small.predict(X, True)
    for a, b in zip(large_mc, small_mc, strict=True):
        np.testing.assert_allclose(a, 10 * b, rtol=1e-4)


def test_mc_dropout_averages_the_response_not_the_log(counts):
    X, y = counts
    est = DropoutMLPRegressor(
        loss="poisson", input_dropout=0.1, dropout=0.3, **FAST
    ).fit(X, y)
    rows = X[:10]
    mean, std = est.mc_predict(rows, n_samples=2000, random_state=0)
    assert (std > 0).all()
    # The same passes through the Keras model, dropout on: exp(z) per pass.
    passes = est.model_(np.tile(rows, (2000, 1)).astype(np.float32), training=True)
    passes = np.asarray(passes)[:, 0].reshape(2000, 10) * est.target_scale_[0]
    np.testing.assert_allclose(mean, passes.mean(axis=0), rtol=0.05)
    np.testing.assert_allclose(std, passes.std(axis=0), rtol=0.1)
    # On the response scale, E[exp(z)] > exp(E[z]) (Jensen): the mean of the
    # passes is not the exp of the mean log.
    logs = np.log(passes)
    assert (mean > np.exp(logs.mean(axis=0)) * 1.001).all()
    # Close to the deterministic network (the weight-scaling approximation),
    # up to rows where the dropout noise of the log is large.
    assert abs(np.median(mean / est.predict(rows)) - 1) < 0.1


def test_row_losses_are_keras_poisson_on_the_exp_output():
    rng = np.random.RandomState(0)
    z = rng.uniform(-4, 3, size=(50, 2)).astype(np.float32)
    y = rng.poisson(2.0, size=(50, 2)).astype(np.float32)
    ours = _maths.row_losses("poisson", tf.constant(y), tf.constant(z))
    theirs = keras.losses.get("poisson")(y, tf.exp(z))
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)
    # Finite where Keras' log(exp(z) + eps) loses z.
    far = _maths.row_losses("poisson", tf.constant([[3.0]]), tf.constant([[-200.0]]))
    np.testing.assert_allclose(far, [600.0])


def test_engine_matches_keras_fit(counts, engine):
    X, y = counts
    sw = np.random.RandomState(2).uniform(0.5, 2.0, size=len(y))
    # Without dropout, whose masks differ between the paths (they agree in
    # distribution only, see test_dropout_parity.py), but with max-norm and L2.
    est = DropoutMLPRegressor(
        loss="poisson", dropout=0.0, max_norm=1.0, alpha=0.01, engine=engine, **FAST
    )
    ours = clone(est).fit(X, y, sample_weight=sw)
    theirs = _keras_fallback(est).fit(X, y, sample_weight=sw)
    assert (ours.engine_, theirs.engine_) == (engine, "keras")
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    np.testing.assert_allclose(
        ours.eval_loss_curve_, theirs.eval_loss_curve_, rtol=1e-4
    )
    ours_w = ours.coefs_ + ours.intercepts_
    for u, v in zip(ours_w, theirs.coefs_ + theirs.intercepts_, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=2e-5)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-4)


def test_early_stopping_scores_r2_of_the_response(engine):
    X, y = _counts(200, seed=4)
    est = DropoutMLPRegressor(
        loss="poisson",
        dropout=0.0,
        **{**FAST, "epochs": 60, "n_iter_no_change": 3, "learning_rate": 0.01},
        early_stopping=True,
        validation_fraction=0.25,
        tol=1e-3,
        engine=engine,
    )
    ours = clone(est).fit(X, y)
    theirs = _keras_fallback(est).fit(X, y)
    assert (ours.engine_, theirs.engine_) == (engine, "keras")
    assert ours.n_iter_ < 60
    assert ours.best_loss_ is None
    assert ours.best_validation_score_ == max(ours.validation_scores_) > 0.3
    # Keras' path scores model(x_val), the exponential output: the response.
    assert ours.n_iter_ == theirs.n_iter_
    np.testing.assert_allclose(
        ours.validation_scores_, theirs.validation_scores_, rtol=1e-4
    )
    # The restored weights are the best epoch's: score is R^2 as well.
    assert ours.score(X, y) > 0.3


@pytest.mark.parametrize("engine", ["graph", "keras"])
def test_eval_loss_curve_is_the_poisson_loss_with_dropout_off(counts, engine):
    X, y = counts
    est = DropoutMLPRegressor(
        loss="poisson", dropout=0.3, alpha=0.01, engine=engine, **FAST
    ).fit(X, y)
    assert est.engine_ == engine
    Y = y / est.target_scale_[0]
    z = _forward(est, X)[:, 0]
    l2 = 0.01 / (2 * FAST["batch_size"]) * sum(np.sum(k**2) for k in est.coefs_)
    expected = np.mean(np.exp(z) - Y * z) + l2
    np.testing.assert_allclose(est.eval_loss_curve_[-1], expected, rtol=1e-5)
    assert est.best_loss_ == min(est.eval_loss_curve_)
    # The squared error of the same weights is another number.
    assert np.mean((Y - np.exp(z)) ** 2) + l2 != pytest.approx(expected, rel=1e-2)


def test_poisson_beats_squared_error_on_counts():
    X, y = _counts(600)
    train, test = slice(0, 400), slice(400, None)
    params = dict(FAST, hidden_layer_sizes=(16,), epochs=40, learning_rate=0.01)
    deviance = {}
    for loss in ("poisson", "squared_error"):
        est = DropoutMLPRegressor(loss=loss, dropout=0.1, **params)
        pred = est.fit(X[train], y[train]).predict(X[test])
        # The squared error's linear output can go negative, where the
        # deviance is undefined: floor it at a small positive mean.
        deviance[loss] = mean_poisson_deviance(y[test], np.maximum(pred, 1e-2))
    assert deviance["poisson"] < 0.95 * deviance["squared_error"], deviance


def test_warm_start_cannot_switch_the_loss(counts):
    X, y = counts
    est = DropoutMLPRegressor(loss="poisson", warm_start=True, **FAST).fit(X, y)
    with pytest.raises(ValueError, match="poisson.*regression|regression.*poisson"):
        est.set_params(loss="squared_error").fit(X, y)


@pytest.mark.parametrize("fmt", ["pickle", "skops"])
def test_round_trip_keeps_the_poisson_network(counts, fmt):
    X, y = counts
    est = DropoutMLPRegressor(loss="poisson", mc_samples=10, **FAST).fit(X, y)
    if fmt == "pickle":
        restored = pickle.loads(pickle.dumps(est))
    else:
        sio = pytest.importorskip("skops.io")
        trusted = ["dropoutmlp._regressor.DropoutMLPRegressor"]
        restored = sio.loads(sio.dumps(est), trusted=trusted)
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    np.testing.assert_array_equal(
        restored.predict(X, return_std=True)[1], est.predict(X, return_std=True)[1]
    )
    assert restored.out_activation_ == "exp"
    np.testing.assert_allclose(
        restored.model_.predict(X, verbose=0)[:, 0] * restored.target_scale_[0],
        est.predict(X),
        rtol=1e-5,
    )
