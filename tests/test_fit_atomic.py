"""A fit changes the estimator only once training succeeded (plan, encode,
train, store), and builds its Keras optimizer once."""

import numpy as np
import pytest
from sklearn.datasets import make_classification

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor
from dropoutmlp._engine import DivergenceError, _config

FAST = dict(hidden_layer_sizes=(6,), epochs=3, batch_size=16, random_state=0)
DIVERGING = dict(
    optimizer="sgd", learning_rate=0.1, max_norm=None, n_iter_no_change=np.inf
)


def _snapshot(est) -> dict:
    return {
        k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(est).items()
    }


def _same(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        u, v = a[key], b[key]
        if isinstance(u, np.ndarray) or isinstance(v, np.ndarray):
            if not np.array_equal(u, v):
                return False
        elif isinstance(u, list) and u and isinstance(u[0], np.ndarray):
            if len(u) != len(v) or not all(map(np.array_equal, u, v)):
                return False
        elif u is not v and u != v:
            return False
    return True


@pytest.mark.parametrize("engine", ["graph", "keras"])
def test_a_fresh_fit_that_diverges_writes_nothing(engine):
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(60, 4)) * 1e6, rng.normal(size=60)
    est = DropoutMLPRegressor(**{**FAST, **DIVERGING, "epochs": 50}, engine=engine)
    before = _snapshot(est)
    with pytest.raises(DivergenceError):
        est.fit(X, y)
    # No n_features_in_, target_mean_, classes_... from the failed fit.
    assert _same(_snapshot(est), before)


def test_a_failed_classifier_fit_leaves_no_classes():
    X, y = make_classification(60, 4, random_state=0)
    est = DropoutMLPClassifier(**{**FAST, **DIVERGING, "epochs": 50}, engine="graph")
    with pytest.raises(DivergenceError):
        est.fit(X * 1e6, y)
    assert not hasattr(est, "classes_")
    assert not hasattr(est, "n_features_in_")


def test_a_warm_start_that_diverges_keeps_the_fitted_estimator():
    X, y = make_classification(60, 4, random_state=0)
    est = DropoutMLPClassifier(**FAST, **DIVERGING, warm_start=True, engine="graph")
    est.fit(X, y)
    before = _snapshot(est)
    est.set_params(learning_rate=1e4, epochs=50)
    with pytest.raises(DivergenceError):
        est.fit(X * 1e6, y)
    after = _snapshot(est)
    after.update(learning_rate=before["learning_rate"], epochs=before["epochs"])
    assert _same(after, before)


@pytest.mark.parametrize("engine", ["graph", "keras"])
def test_a_fit_builds_its_keras_optimizer_once(engine, monkeypatch):
    built = []
    make = _config.make_optimizer

    def counting(config):
        built.append(config)
        return make(config)

    # The face and the Model.fit engine read it from these two modules.
    from dropoutmlp import _engine
    from dropoutmlp._engine import _keras_fit

    monkeypatch.setattr(_engine, "make_optimizer", counting)
    monkeypatch.setattr(_keras_fit, "make_optimizer", counting)
    X, y = make_classification(60, 4, random_state=0)
    est = DropoutMLPClassifier(**FAST, optimizer="sgd", engine=engine).fit(X, y)
    assert est.engine_ == engine
    assert len(built) == 1
    # model_ compiles a copy, not the fit's instance (which holds its state).
    assert est.model_.optimizer is not est._fit_optimizer
