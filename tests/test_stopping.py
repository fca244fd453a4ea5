"""The stopping rule: MLPClassifier's, on the training loss with dropout off.

Without ``early_stopping`` a fit stops when the loss of the training rows,
measured at each epoch's end with dropout off (``eval_loss_curve_``), has not
improved by ``tol`` for ``n_iter_no_change`` epochs.  The running dropout
loss (``loss_curve_``) carries the masks' noise, which stopped small fits
early.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_circles, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor, NetworkSpec, _engine
from dropoutmlp._engine import _programs
from dropoutmlp._network import initial_weights

ENGINES = ("xla", "graph", "keras")


@pytest.fixture(params=ENGINES)
def engine_name(request):
    """Each engine in turn: the compiled program, the graph one, Model.fit."""
    return request.param


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(70, 6, n_informative=4, n_redundant=0, random_state=0)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    w = np.random.RandomState(0).uniform(0.5, 2.0, len(y)).astype(np.float32)
    return X, y.reshape(-1, 1).astype(np.float32), w


def _spec():  # every feature on: dropout everywhere, max-norm, L2
    return NetworkSpec(
        n_features=6,
        hidden_layer_sizes=(8, 5),
        n_outputs=1,
        output_kind="binary",
        input_dropout=0.2,
        dropout=(0.3, 0.2),
        max_norm=(2.0, 3.0),
    )


L2 = 0.001  # the fits' L2 factor: alpha / (2 * batch_size)


def _config(engine, **kw):
    return _engine.TrainingConfig(
        **{
            "optimizer": "sgd",
            "learning_rate": 0.05,
            "momentum": 0.9,
            "batch_size": 16,
            "alpha": L2 * 2 * 16,
            "epochs": 6,
            "seed": 11,
            "engine": engine,
            **kw,
        }
    )


def _numpy_loss(spec, weights, x, y, w):
    """Binary cross-entropy with dropout off plus L2, in float64 NumPy."""
    weights = [np.asarray(v, np.float64) for v in weights]
    h = np.asarray(x, np.float64)
    for i in range(len(weights) // 2):
        h = h @ weights[2 * i] + weights[2 * i + 1]
        if i < len(weights) // 2 - 1:
            h = np.maximum(h, 0.0)
    z, y = h[:, 0], y[:, 0]
    row = np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))
    penalty = L2 * sum(np.sum(k**2) for k in weights[::2])
    return np.sum(row * w) / len(y) + penalty


def _train(spec, config, x, y, w, state=None):
    weights = initial_weights(spec, 3)
    return _engine.train(spec, config, weights, x, y, w, None, state)


def test_eval_loss_is_the_dropout_free_loss_of_the_weights(engine_name, data):
    X, y, w = data
    spec = _spec()
    result = _train(spec, _config(engine_name), X, y, w)
    assert result.engine == engine_name
    assert len(result.eval_loss_curve) == len(result.loss_curve) == result.n_iter
    expected = _numpy_loss(spec, result.weights, X, y, w)
    np.testing.assert_allclose(result.eval_loss_curve[-1], expected, rtol=1e-5)
    # The running loss is another quantity: dropout's masks are on in it.
    assert result.loss_curve[-1] != pytest.approx(expected, rel=1e-3)


def test_eval_loss_reads_a_fixed_sample_of_large_data(engine_name, data, monkeypatch):
    X, y, w = data
    monkeypatch.setattr(_programs, "EVAL_ROWS", 16)
    spec, config = _spec(), _config(engine_name)
    rows = _programs.eval_rows(len(y), int(config.seeds()[0]))
    assert len(rows) == 16 and len(np.unique(rows)) == 16
    result = _train(spec, config, X, y, w)
    expected = _numpy_loss(spec, result.weights, X[rows], y[rows], w[rows])
    np.testing.assert_allclose(result.eval_loss_curve[-1], expected, rtol=1e-5)


def test_sparse_rows_give_the_eval_loss_of_their_dense_copy(data):
    X, y, w = data
    spec, config = _spec(), _config("graph")
    dense = _train(spec, config, X, y, w)
    sparse = _train(spec, config, sp.csr_matrix(X), y, w)
    np.testing.assert_allclose(sparse.eval_loss_curve, dense.eval_loss_curve, rtol=1e-5)


def test_the_rule_and_its_carry_over_follow_mlpclassifier(engine_name, data):
    X, y, w = data
    spec = _spec()
    # tol larger than any improvement: every epoch after the first counts.
    config = _config(engine_name, epochs=40, tol=10.0, n_iter_no_change=3)
    first = _train(spec, config, X, y, w)
    assert first.n_iter == 3 + 2 and first.stopped_early
    assert first.state.no_improvement_count == 4
    assert first.state.best_loss == min(first.eval_loss_curve)
    # Continued, as a warm start: the count carries over, one epoch runs.
    again = _engine.train(spec, config, first.weights, X, y, w, None, first.state)
    assert again.n_iter == 1 and again.stopped_early
    # MLPClassifier does the same over warm starts.
    mlp = MLPClassifier((8,), tol=10.0, n_iter_no_change=3, warm_start=True)
    mlp.fit(X, y[:, 0])
    assert mlp.n_iter_ == 5
    mlp.fit(X, y[:, 0])
    assert mlp.n_iter_ == 1


def test_warm_start_warns_when_its_epochs_run_out(engine_name, data):
    X, y, _ = data
    params = dict(
        hidden_layer_sizes=(8,), batch_size=16, random_state=0, engine=engine_name
    )
    est = DropoutMLPClassifier(**params, epochs=40, tol=10.0, n_iter_no_change=3)
    est.fit(X, y[:, 0])
    assert est.n_iter_ == 5 and est.engine_ == engine_name
    best = est.best_loss_
    est.set_params(warm_start=True, tol=0.0, n_iter_no_change=1000, epochs=4)
    with pytest.warns(ConvergenceWarning, match="epochs=4"):
        est.fit(X, y[:, 0])
    assert est.n_iter_ == 4 and len(est.eval_loss_curve_) == 9
    assert est.best_loss_ == min(est.eval_loss_curve_) <= best


def test_small_noisy_data_trains_to_convergence_not_to_the_masks_noise(stop_epoch):
    # scikit-learn's "classifier comparison" setting: 60 rows of circles, one
    # mini-batch per epoch, where the dropout loss's noise stopped fits early.
    X, y = make_circles(100, noise=0.2, factor=0.5, random_state=1)
    X = StandardScaler().fit_transform(X)
    X_train, y_train, X_test, y_test = X[:60], y[:60], X[60:], y[60:]
    mlp = MLPClassifier(max_iter=1000, random_state=0).fit(X_train, y_train)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est = DropoutMLPClassifier(epochs=1000, random_state=0)
        est.fit(X_train, y_train)
    # The dropout loss's own noise would have stopped the fit long before.
    assert stop_epoch(est.loss_curve_, est.tol, 10) < est.n_iter_ / 2
    assert est.score(X_test, y_test) >= mlp.score(X_test, y_test) - 0.05


@pytest.mark.parametrize("Estimator", [DropoutMLPClassifier, DropoutMLPRegressor])
def test_batch_size_auto_is_min_200_n_samples(Estimator):
    X, y = make_classification(260, 5, random_state=0)
    params = dict(hidden_layer_sizes=(4,), epochs=3, random_state=0)
    for n, batch in ((150, 150), (260, 200)):
        auto = Estimator(batch_size="auto", **params).fit(X[:n], y[:n])
        fixed = Estimator(batch_size=batch, **params).fit(X[:n], y[:n])
        other = Estimator(batch_size=64, **params).fit(X[:n], y[:n])
        np.testing.assert_array_equal(auto.coefs_[0], fixed.coefs_[0])
        assert not np.array_equal(auto.coefs_[0], other.coefs_[0])
    with pytest.raises(ValueError, match="batch_size"):
        Estimator(batch_size="big").fit(X, y)


@pytest.mark.parametrize("Estimator", [DropoutMLPClassifier, DropoutMLPRegressor])
def test_docstrings_give_the_eval_sample_size_the_engine_uses(Estimator):
    assert f"a fixed sample of {_programs.EVAL_ROWS:,}" in Estimator.__doc__


def test_concrete_dropout_fits_stop_on_the_same_rule(engine, stop_epoch):
    # Learned rates change the masks' noise as they move; the rule's signal,
    # the loss with dropout off, does not carry it.
    X, y = make_classification(80, 6, random_state=0)
    est = DropoutMLPClassifier(
        (16,), dropout="concrete", tol=1e-3, epochs=300, random_state=0, engine=engine
    ).fit(X, y)
    assert est.engine_ == engine and est.n_iter_ < 300
    assert stop_epoch(est.eval_loss_curve_, est.tol, 10) == est.n_iter_
    assert est.best_loss_ == min(est.eval_loss_curve_)


def test_outputs_that_overflow_with_finite_weights_are_a_divergence(engine_name):
    # One SGD step of a huge rate: the epoch's running loss (measured before
    # the step) and the weights are finite, but exp of the new output is not.
    X = np.random.RandomState(0).randn(20, 3)
    y = np.full(20, 50.0)
    params = dict(
        hidden_layer_sizes=(),
        loss="poisson",
        standardize_target=False,
        optimizer="sgd",
        momentum=0.0,
        learning_rate=1e3,
        batch_size=20,
        epochs=1,
        random_state=0,
        engine=engine_name,
    )
    with pytest.raises(ValueError, match="diverged"):
        DropoutMLPRegressor(**params).fit(X, y)


# --------------------------------------------------------------------------
# What the estimator reports: the rules' epochs, curves and warnings


def test_early_stopping_attributes(binary, stop_epoch):
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
    # It stopped exactly when scikit-learn's rule (on the score) says so.
    scores = [-score for score in est.validation_scores_]
    assert stop_epoch(scores, est.tol, 3) == est.n_iter_


def test_without_early_stopping_the_training_loss_decides(binary, stop_epoch):
    X, y = binary
    params = dict(hidden_layer_sizes=(8,), epochs=300, tol=1e-2, random_state=0)
    est = DropoutMLPClassifier(n_iter_no_change=2, **params).fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) < 300
    assert est.validation_scores_ is None
    assert est.best_validation_score_ is None
    # It stopped exactly when MLPClassifier's rule on the loss with dropout
    # off (the rule's signal, eval_loss_curve_) says so.
    assert stop_epoch(est.eval_loss_curve_, est.tol, 2) == est.n_iter_
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
