"""The engine's contract with the estimators: divergence, continued training,
sparse rows and the training-loss stopping rule, on both training paths."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import make_classification
from sklearn.preprocessing import StandardScaler

from dropoutmlp import NetworkSpec, _engine
from dropoutmlp._engine import DivergenceError, TrainingConfig
from dropoutmlp._network import initial_weights

# The engines the tests run on: the graph program and Keras' Model.fit.
PATHS = ("graph", "keras")


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(70, 6, n_informative=4, n_redundant=0, random_state=0)
    X = StandardScaler().fit_transform(X).astype(np.float32)
    return X, y.reshape(-1, 1).astype(np.float32), np.ones(len(y), np.float32)


def _spec(**kw):
    return NetworkSpec(
        n_features=6,
        hidden_layer_sizes=(8, 5),
        n_outputs=1,
        output_kind=kw.pop("output_kind", "binary"),
        dropout=kw.pop("dropout", (0.3, 0.2)),
        input_dropout=kw.pop("input_dropout", 0.2),
        max_norm=(2.0, None),
        **kw,
    )


def _config(path, **kw):
    kw = {
        "optimizer": "sgd",
        "learning_rate": 0.05,
        "momentum": 0.9,
        "batch_size": 16,
        "alpha": 0.001 * 2 * 16,  # an L2 factor of 0.001
        "epochs": 5,
        "seed": 11,
        "engine": path,
        **kw,
    }
    return TrainingConfig(**kw)


class _Net:
    """The trained weight list, for the tests' comparisons."""

    def __init__(self, weights):
        self.weights = weights

    def get_weights(self):
        return self.weights


def _train(spec, config, x, y, w, start=None, state=None, validation=None):
    weights = initial_weights(spec, 3) if start is None else start.get_weights()
    result = _engine.train(spec, config, weights, x, y, w, validation, state)
    return _Net(result.weights), result


def _assert_same_weights(a, b, atol=1e-6):
    for u, v in zip(a.get_weights(), b.get_weights(), strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-5, atol=atol)


@pytest.mark.parametrize("path", PATHS)
def test_a_diverging_fit_raises_naming_the_causes_and_stops(data, path):
    X, y, w = data
    spec = _spec(dropout=(0.0, 0.0), input_dropout=0.0, output_kind="regression")
    config = _config(path, learning_rate=0.1, epochs=50)
    with pytest.raises(DivergenceError, match="learning_rate") as info:
        _train(spec, config, X * 1e6, y, w)
    message = str(info.value)
    assert "StandardScaler" in message
    epoch = int(message.split("at epoch ")[1].split(".")[0])
    assert epoch < 50  # training stopped at the divergence, not at the end
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "optimizer",
    [
        dict(optimizer="sgd", momentum=0.9, nesterov=True),
        dict(optimizer="adam", learning_rate=0.01),
        dict(optimizer="rmsprop", learning_rate=0.01, momentum=0.5),
    ],
    ids=["sgd-nesterov", "adam", "rmsprop-momentum"],
)
def test_continuing_from_the_state_equals_one_longer_fit(data, path, optimizer):
    """3 epochs, then 2 more from the returned state == 5 epochs at once,
    with dropout, max-norm and L2 on: slots, steps, shuffles and masks go on."""
    X, y, w = data
    spec = _spec()
    once, result = _train(spec, _config(path, epochs=5, **optimizer), X, y, w)
    first, r1 = _train(spec, _config(path, epochs=3, **optimizer), X, y, w)
    again, r2 = _train(
        spec, _config(path, epochs=2, **optimizer), X, y, w, first, r1.state
    )
    assert (r1.n_iter, r2.n_iter, r2.state.epoch) == (3, 2, 5)
    assert r2.state.step == result.state.step == 5 * 5  # 5 batches an epoch
    np.testing.assert_allclose(
        r1.loss_curve + r2.loss_curve, result.loss_curve, rtol=1e-5
    )
    _assert_same_weights(again, once)
    for u, v in zip(r2.state.slots, result.state.slots, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=1e-6)


def test_a_state_of_another_optimizer_restarts_the_optimizer(data):
    X, y, w = data
    spec = _spec()
    model, r1 = _train(spec, _config("graph", epochs=2), X, y, w)
    _, r2 = _train(
        spec, _config("graph", optimizer="adam", epochs=1), X, y, w, model, r1.state
    )
    assert r2.state.optimizer == "adam"
    assert r2.state.step == 5  # counted from 0: adam's bias correction restarts
    assert r2.state.epoch == 3  # the epoch count goes on


@pytest.mark.parametrize("path", PATHS)
def test_sparse_rows_train_as_their_dense_copy(data, path):
    X, y, w = data
    X = np.where(np.abs(X) < 0.7, 0, X).astype(np.float32)
    csr = sp.csr_matrix(X)
    assert 0 < csr.nnz < X.size
    spec = _spec()
    config = _config(path, epochs=4)
    dense, r_dense = _train(spec, config, X, y, w)
    sparse, r_sparse = _train(spec, config, csr, y, w)
    np.testing.assert_allclose(r_sparse.loss_curve, r_dense.loss_curve, rtol=1e-5)
    _assert_same_weights(sparse, dense)
    weights = [v.astype(np.float64) for v in sparse.get_weights()]
    np.testing.assert_allclose(
        _engine.predict(weights, spec, csr),
        _engine.predict([v.astype(np.float64) for v in dense.get_weights()], spec, X),
        rtol=1e-12,
    )
    means = [_engine.mc_predict(weights, spec, m, 5, 1)[0] for m in (csr, X)]
    np.testing.assert_allclose(*means, rtol=1e-6)


def test_sparse_rows_train_with_early_stopping(data):
    X, y, w = data
    spec = _spec()
    config = _config("graph", epochs=30, early_stopping=True, n_iter_no_change=2)
    validation = (sp.csr_matrix(X[:20]), y[:20], w[:20])
    _, sparse = _train(
        spec, config, sp.csr_matrix(X[20:]), y[20:], w[20:], validation=validation
    )
    _, dense = _train(
        spec, config, X[20:], y[20:], w[20:], validation=(X[:20], y[:20], w[:20])
    )
    assert sparse.validation_scores == dense.validation_scores


@pytest.mark.parametrize("path", PATHS)
def test_loss_stopping_follows_mlpclassifiers_rule(data, path):
    X, y, w = data
    spec = _spec()
    # tol larger than any improvement: every epoch after the first counts.
    config = _config(path, epochs=40, tol=10.0, n_iter_no_change=3)
    _, result = _train(spec, config, X, y, w)
    assert result.n_iter == 3 + 2
    assert result.stopped_early
    # With tol 0 and an inf patience it never stops.
    config = _config(path, epochs=6, tol=0.0, n_iter_no_change=float("inf"))
    _, result = _train(spec, config, X, y, w)
    assert result.n_iter == 6
    assert not result.stopped_early


def test_loss_stopping_is_off_under_early_stopping(data):
    X, y, w = data
    spec = _spec()
    config = _config(
        "graph",
        epochs=8,
        early_stopping=True,
        tol=0.0,
        n_iter_no_change=100,
    )
    _, result = _train(
        spec, config, X[10:], y[10:], w[10:], validation=(X[:10], y[:10], w[:10])
    )
    assert result.n_iter == 8 and len(result.validation_scores) == 8
