"""Concrete dropout: the relaxed mask and the regulariser against the paper's
formulas (Gal, Hron and Kendall, 2017), learned rates that move the expected
way, the fitted attributes, and everything downstream of the learned rates."""

import pickle

import keras
import numpy as np
import pytest
import scipy.sparse as sp
import tensorflow as tf
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor
from dropoutmlp._engine import _maths, _random
from dropoutmlp._network import CONCRETE_INITIAL_RATE

T = _maths.CONCRETE_TEMPERATURE
EPS = 1e-7  # inside the logarithms of the uniform draws, as the paper's code


def _logit(p):
    return np.log(p / (1 - p))


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(120, 8, n_informative=5, n_redundant=0, random_state=0)
    return StandardScaler().fit_transform(X), y


# ---------------------------------------------------------------------------
# The maths against the paper


def test_relaxed_mask_is_the_papers_formula():
    rng = np.random.default_rng(0)
    h = rng.normal(size=(500, 40)).astype(np.float32)
    u = rng.random((500, 40), dtype=np.float32)
    p = 0.3
    out = _maths.concrete_dropout(
        tf.constant(h), tf.constant(u), tf.constant(_logit(p), tf.float32)
    )
    # Eq. 5 of the paper and its reference code: z = 1 - sigmoid((log p -
    # log(1-p) + log u - log(1-u)) / t), and the layer computes h * z / (1-p).
    u64 = u.astype(np.float64)
    drop = _sigmoid(
        (np.log(p) - np.log(1 - p) + np.log(u64 + EPS) - np.log(1 - u64 + EPS)) / T
    )
    expected = h * (1 - drop) / (1 - p)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.8])
def test_relaxed_mask_gradients_are_the_formulas(p):
    """The mask's written-out gradients against the tape's of eq. 5 (float64)."""
    rng = np.random.default_rng(2)
    h, g = rng.normal(size=(2, 300, 20))
    u = rng.random((300, 20), dtype=np.float32)
    logit = tf.Variable(_logit(p), dtype=tf.float32)
    h32 = tf.Variable(h, dtype=tf.float32)
    with tf.GradientTape() as tape:
        out = _maths.concrete_dropout(h32, tf.constant(u), logit)
        loss = tf.reduce_sum(out * g)
    got_h, got_logit = tape.gradient(loss, [h32, logit])
    logit64, h64 = tf.Variable(_logit(p), dtype=tf.float64), tf.Variable(h)
    with tf.GradientTape() as tape:
        u64 = tf.constant(u, tf.float64)
        noise = tf.math.log(u64 + EPS) - tf.math.log(1 - u64 + EPS)
        drop = tf.sigmoid((logit64 + noise) / T)
        loss = tf.reduce_sum(h64 * (1 - drop) / (1 - tf.sigmoid(logit64)) * g)
    want_h, want_logit = tape.gradient(loss, [h64, logit64])
    np.testing.assert_allclose(got_h.numpy(), want_h.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(got_logit.numpy(), want_logit.numpy(), rtol=1e-3)


@pytest.mark.parametrize("p", [0.05, 0.3, 0.5, 0.8])
def test_relaxed_mask_expectation(p):
    """With the engine's own uniform draws, the relaxed keep variable is kept
    (above 1/2) with probability exactly 1 - p, and its mean is the paper's
    integral over u, close to 1 - p at the temperature 0.1."""
    shape = (1000, 1000)
    n = np.prod(shape)
    u = _random.uniform(tf.constant(12345, tf.uint32), shape)
    ones = tf.ones(shape)
    keep = _maths.concrete_dropout(ones, u, tf.constant(_logit(p), tf.float32))
    keep = keep.numpy().astype(np.float64) * (1 - p)  # undo the 1/(1-p) scaling
    frac = np.mean(keep > 0.5)
    assert abs(frac - (1 - p)) < 4 * np.sqrt(p * (1 - p) / n)
    # E[1 - sigmoid((logit p + logit u) / t)], u ~ U(0, 1): midpoint rule.
    grid = (np.arange(2_000_000) + 0.5) / 2_000_000
    integral = np.mean(
        1 - _sigmoid((_logit(p) + np.log(grid + EPS) - np.log(1 - grid + EPS)) / T)
    )
    assert abs(keep.mean() - integral) < 4 * keep.std() / np.sqrt(n)
    assert abs(integral - (1 - p)) < 0.01


def _papers_regulariser(kernel, logit, wd, dd):
    """Eq. 3 of the paper for one layer, in TensorFlow (float64) for its tape."""
    p = tf.sigmoid(logit)
    return wd * tf.reduce_sum(kernel**2) / (1 - p) + dd * kernel.shape[0] * (
        p * tf.math.log(p) + (1 - p) * tf.math.log(1 - p)
    )


def test_regulariser_and_its_gradients_are_the_papers_formula():
    """The engine writes the regulariser's gradients out; they must be the
    tape's gradients of eq. 3, and a layer whose rate is fixed adds nothing."""
    rng = np.random.default_rng(1)
    kernels = [
        rng.normal(size=(7, 5)),
        rng.normal(size=(5, 3)),
        rng.normal(size=(3, 1)),
    ]
    logits = _logit(np.array([0.35, 0.6, 0.2]))
    learned = np.array([1.0, 0.0, 1.0])
    wd, dd = 1e-3, 0.02
    value, decay, logit_grad = _maths.concrete_regularizer(
        tf.constant([np.sum(k**2) for k in kernels], tf.float32),
        tf.constant(logits, tf.float32),
        tf.constant([k.shape[0] for k in kernels], tf.float32),
        tf.constant(learned, tf.float32),
        wd,
        dd,
    )
    k64 = [tf.Variable(k) for k in kernels]
    l64 = [tf.Variable(v) for v in logits]
    with tf.GradientTape(persistent=True) as tape:
        expected = tf.add_n(
            [_papers_regulariser(k64[i], l64[i], wd, dd) for i in (0, 2)]
        )
    np.testing.assert_allclose(value.numpy(), expected.numpy(), rtol=1e-5)
    for i in range(3):
        k_grad = tape.gradient(expected, k64[i])
        k_grad = np.zeros_like(kernels[i]) if k_grad is None else k_grad.numpy()
        l_grad = tape.gradient(expected, l64[i])
        l_grad = 0.0 if l_grad is None else l_grad.numpy()
        # The kernel's gradient is twice the layer's decay times the kernel.
        np.testing.assert_allclose(2 * decay[i].numpy() * kernels[i], k_grad, rtol=1e-5)
        np.testing.assert_allclose(logit_grad[i].numpy(), l_grad, rtol=1e-4, atol=1e-9)


@pytest.mark.parametrize("p,sign", [(0.1, -1), (0.5, 0), (0.8, 1)])
def test_entropy_term_pulls_the_rate_towards_one_half(p, sign):
    _, _, grad = _maths.concrete_regularizer(
        tf.zeros(1),
        tf.constant([_logit(p)], tf.float32),
        tf.constant([3.0]),
        tf.ones(1),
        0.0,
        1.0,
    )
    # Gradient descent moves the logit against the gradient: up below 1/2.
    if sign == 0:
        assert abs(grad[0].numpy()) < 1e-6
    else:
        assert np.sign(grad[0].numpy()) == sign


# ---------------------------------------------------------------------------
# Learned rates move the expected way


def _learned(X, y, regressor=False, **params):
    cls = DropoutMLPRegressor if regressor else DropoutMLPClassifier
    base = dict(
        hidden_layer_sizes=(32,),
        dropout="concrete",
        epochs=60,
        batch_size=32,
        n_iter_no_change=np.inf,
        random_state=0,
    )
    return cls(**{**base, **params}).fit(X, y)


def test_noise_in_the_target_raises_the_learned_rate():
    """A target of pure noise leaves little for dropout to hurt, and the
    entropy term lifts the rate; a noise-free target keeps it lower (over
    three seeds of the noise and the fit)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    clean = X @ np.array([1.0, -2.0, 0.5, 1.5, -1.0])
    rates = {"clean": [], "noise": []}
    for seed in range(3):
        noise = np.random.default_rng(seed + 10).normal(size=300)
        for name, target in (("clean", clean), ("noise", noise)):
            fit = _learned(X, target, regressor=True, random_state=seed)
            rates[name].append(fit.dropout_[0])
    assert np.mean(rates["noise"]) > 1.4 * np.mean(rates["clean"]), rates


def test_the_regulariser_parameters_are_used(data):
    X, y = data
    low = _learned(X, y, concrete_regularization=0.0).dropout_[0]
    default = _learned(X, y).dropout_[0]
    high = _learned(X, y, concrete_regularization=20.0).dropout_[0]
    assert low < CONCRETE_INITIAL_RATE < default < high, (low, default, high)
    # The weight term: a long length-scale penalises kernels that feed high
    # rates, and the rate comes down.
    long = _learned(X, y, concrete_length_scale=10.0).dropout_[0]
    assert long < default - 0.05, (long, default)


# ---------------------------------------------------------------------------
# The estimator


def test_fitted_rates_curve_and_model(data, engine):
    X, y = data
    clf = DropoutMLPClassifier(
        (16, 8),
        input_dropout="concrete",
        dropout=("concrete", 0.3),
        epochs=30,
        batch_size=8,
        concrete_regularization=5.0,  # a strong pull: the rates move clearly
        n_iter_no_change=np.inf,
        random_state=0,
        engine=engine,
    ).fit(X, y)
    assert clf.engine_ == engine
    curve = np.asarray(clf.dropout_curve_)
    assert curve.shape == (30, 3) == (clf.n_iter_, 3)
    rates = [clf.input_dropout_, *clf.dropout_]
    np.testing.assert_allclose(curve[-1], rates, rtol=1e-6)
    assert clf.dropout_[1] == 0.3  # the fixed rate stays as given
    np.testing.assert_allclose(curve[:, 2], 0.3, rtol=1e-6)
    for learned in (clf.input_dropout_, clf.dropout_[0]):  # both moved
        assert abs(learned - CONCRETE_INITIAL_RATE) > 0.01
    dropouts = [
        layer.rate
        for layer in clf.model_.layers
        if isinstance(layer, keras.layers.Dropout)
    ]
    np.testing.assert_allclose(dropouts, rates)
    assert clf.get_params()["dropout"] == ("concrete", 0.3)  # params untouched
    assert clone(clf).get_params()["input_dropout"] == "concrete"


def test_fixed_rates_have_no_curve(data):
    X, y = data
    clf = DropoutMLPClassifier((8,), dropout=0.25, epochs=3, random_state=0).fit(X, y)
    assert clf.dropout_curve_ is None
    assert clf.input_dropout_ == 0.0
    np.testing.assert_array_equal(clf.dropout_, [0.25])


def test_graph_and_compiled_programs_learn_alike(data):
    """Different mask streams, the same learning: over seeds, the rates the
    two programs learn agree within their seed-to-seed spread."""
    X, y = data
    learned = {}
    for engine in ("xla", "graph"):
        fits = [
            _learned(X, y, input_dropout="concrete", random_state=seed, engine=engine)
            for seed in range(4)
        ]
        assert {f.engine_ for f in fits} == {engine}
        learned[engine] = np.array([[f.input_dropout_, *f.dropout_] for f in fits])
    spread = np.concatenate(list(learned.values())).std(axis=0)
    gap = np.abs(learned["xla"].mean(axis=0) - learned["graph"].mean(axis=0))
    assert np.all(gap < 2 * spread + 0.01), (learned, gap, spread)


def test_early_stopping_restores_the_rates_of_the_best_epoch(data):
    X, y = data
    clf = DropoutMLPClassifier(
        (16,),
        input_dropout="concrete",
        dropout="concrete",
        early_stopping=True,
        n_iter_no_change=5,
        epochs=80,
        random_state=0,
    ).fit(X, y)
    best = int(np.argmax(clf.validation_scores_))
    assert best < len(clf.dropout_curve_) - 1  # it did restore an earlier epoch
    np.testing.assert_allclose(
        [clf.input_dropout_, *clf.dropout_], clf.dropout_curve_[best], rtol=1e-6
    )


def test_warm_start_continues_the_learned_rates(data):
    X, y = data
    clf = DropoutMLPClassifier(
        (16,),
        dropout="concrete",
        epochs=20,
        batch_size=8,
        concrete_regularization=5.0,
        n_iter_no_change=np.inf,
        random_state=0,
    ).fit(X, y)
    first = clf.dropout_[0]
    clf.set_params(warm_start=True, epochs=5).fit(X, y)
    assert len(clf.dropout_curve_) == 25
    # The second fit starts where the first left the rate (one epoch moves
    # it a little), not at the initial rate.
    assert abs(clf.dropout_curve_[20][1] - first) < 0.03
    assert abs(first - CONCRETE_INITIAL_RATE) > 0.05


def test_pickle_and_mc_dropout_use_the_learned_rates(data):
    X, y = data
    clf = _learned(X, y, input_dropout="concrete", epochs=20)
    clone_ = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(clone_.dropout_, clf.dropout_)
    assert clone_.input_dropout_ == clf.input_dropout_
    np.testing.assert_array_equal(clone_.predict_proba(X), clf.predict_proba(X))
    a = clf.mc_predict_proba(X, n_samples=20, random_state=0)
    b = clone_.mc_predict_proba(X, n_samples=20, random_state=0)
    np.testing.assert_array_equal(a[0], b[0])
    # The MC passes drop at the learned rates: a lower rate spreads less.
    low = clone(clf).fit(X, y)
    low._spec = low._spec.with_rates([0.01, 0.01])
    assert b[1].mean() > low.mc_predict_proba(X, n_samples=20, random_state=0)[1].mean()


def test_regressor_learns_rates_and_its_mc_spread_uses_them():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = X[:, 0] + 0.5 * rng.normal(size=200)
    reg = _learned(X, y, regressor=True, input_dropout="concrete", epochs=20)
    assert len(reg.dropout_curve_) == 20
    _, std = reg.mc_predict(X, n_samples=30, random_state=0)
    assert np.all(std > 0)


def test_sparse_input_learns_as_dense(data):
    X, y = data
    X = np.where(np.abs(X) < 0.7, 0.0, X)
    params = dict(input_dropout="concrete", epochs=10)
    dense = _learned(X, y, **params)
    sparse = _learned(sp.csr_matrix(X), y, **params)
    assert dense.engine_ == sparse.engine_ == "graph"
    np.testing.assert_allclose(sparse.dropout_, dense.dropout_, rtol=1e-4)
    np.testing.assert_allclose(sparse.input_dropout_, dense.input_dropout_, rtol=1e-4)


def test_grid_search_over_fixed_and_learned_rates(data):
    X, y = data
    search = GridSearchCV(
        DropoutMLPClassifier((8,), epochs=5, random_state=0),
        {"dropout": [0.2, "concrete"], "input_dropout": [0.0, "concrete"]},
        cv=2,
    ).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert np.all(np.isfinite(search.cv_results_["mean_test_score"]))


# ---------------------------------------------------------------------------
# No silent yes


@pytest.mark.parametrize(
    "params,match",
    [
        ({"dropout": "concret"}, "dropout"),
        ({"dropout": ("concret", 0.2)}, "dropout"),
        ({"input_dropout": "learned"}, "input_dropout"),
        ({"concrete_regularization": -1.0}, "concrete_regularization"),
        ({"concrete_length_scale": -1.0}, "concrete_length_scale"),
    ],
)
def test_bad_concrete_parameters_are_named(data, params, match):
    X, y = data
    with pytest.raises(ValueError, match=match):
        DropoutMLPClassifier((4,), epochs=1, **params).fit(X, y)


@pytest.mark.parametrize(
    "params",
    [
        {"optimizer": "adagrad"},
        {"callbacks": [keras.callbacks.History()]},
    ],
)
def test_concrete_outside_the_engine_is_rejected_before_training(data, params):
    X, y = data
    clf = DropoutMLPClassifier((4,), dropout="concrete", epochs=1, **params)
    with pytest.raises(ValueError, match="concrete"):
        clf.fit(X, y)
    assert not hasattr(clf, "coefs_")
    # A conflict of parameters is raised before the data is even read.
    with pytest.raises(ValueError, match="concrete"):
        clf.fit(np.full_like(X, np.nan), y)
