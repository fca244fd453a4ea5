"""Engine-level properties: the compiled (XLA) and graph programs against
Keras' Model.fit, max-norm, dropout on/off, the program cache, Monte-Carlo
dropout, verbosity."""

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.model_selection import GridSearchCV
from sklearn.preprocessing import StandardScaler

from dropoutmlp import (
    DropoutMLPClassifier,
    DropoutMLPRegressor,
    NetworkSpec,
    _engine,
    build_mlp,
)
from dropoutmlp._engine import PROGRAMS, TrainingConfig
from dropoutmlp._network import initial_weights

# 75 rows and batches of 16: the last batch of every epoch is partial.
N_ROWS = 75


@pytest.fixture(scope="module")
def binary_data():
    X, y = make_classification(
        N_ROWS, 6, n_informative=4, n_redundant=0, random_state=0
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def multiclass_data():
    X, y = make_classification(
        N_ROWS, 6, n_informative=4, n_redundant=0, n_classes=3, random_state=1
    )
    return StandardScaler().fit_transform(X), y


def _weights_close(a, b, atol=2e-5):
    wa, wb = a.model_.get_weights(), b.model_.get_weights()
    assert len(wa) == len(wb)
    for u, v in zip(wa, wb, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=atol)


def _keras_fallback(est):
    """The same estimator trained by keras' Model.fit."""
    return clone(est).set_params(engine="keras")


OPTIMIZERS = {
    "sgd-momentum": dict(optimizer="sgd", learning_rate=0.1, momentum=0.8),
    "sgd-nesterov": dict(
        optimizer="sgd", learning_rate=0.1, momentum=0.9, nesterov=True
    ),
    "sgd-plain": dict(optimizer="sgd", learning_rate=0.2, momentum=0.0),
    "adam": dict(optimizer="adam", learning_rate=0.05),
    "adam-routed": dict(optimizer="adam", learning_rate=0.05, optimizer__beta_1=0.5),
    "rmsprop": dict(optimizer="rmsprop", learning_rate=0.01, momentum=0.0),
    "rmsprop-momentum": dict(optimizer="rmsprop", learning_rate=0.01, momentum=0.5),
}


@pytest.mark.parametrize("opt", OPTIMIZERS.values(), ids=OPTIMIZERS.keys())
def test_engine_matches_keras_fit(binary_data, opt, engine):
    X, y = binary_data
    est = DropoutMLPClassifier(
        (8, 5),
        dropout=0.0,
        max_norm=1.0,
        alpha=0.01,
        batch_size=16,
        epochs=6,
        random_state=3,
        engine=engine,
        **opt,
    )
    graph = clone(est).fit(X, y)
    fallback = _keras_fallback(est).fit(X, y)
    assert graph.engine_ == engine
    assert fallback.engine_ == "keras"
    assert graph.n_iter_ == fallback.n_iter_ == 6
    np.testing.assert_allclose(graph.loss_curve_, fallback.loss_curve_, rtol=1e-4)
    _weights_close(graph, fallback)
    np.testing.assert_allclose(
        graph.predict_proba(X), fallback.predict_proba(X), atol=1e-5
    )


def test_engine_matches_keras_fit_multiclass_with_weights(multiclass_data, engine):
    X, y = multiclass_data
    sw = np.random.RandomState(0).uniform(0.2, 3.0, size=len(y))
    est = DropoutMLPClassifier(
        (8,),
        dropout=0.0,
        max_norm=None,
        alpha=0.001,
        optimizer="adam",
        learning_rate=0.02,
        batch_size=16,
        epochs=5,
        class_weight="balanced",
        random_state=5,
        engine=engine,
    )
    graph = clone(est).fit(X, y, sample_weight=sw)
    fallback = _keras_fallback(est).fit(X, y, sample_weight=sw)
    assert (graph.engine_, fallback.engine_) == (engine, "keras")
    np.testing.assert_allclose(graph.loss_curve_, fallback.loss_curve_, rtol=1e-4)
    _weights_close(graph, fallback)


def test_engine_train_with_and_without_callbacks_agree(binary_data, engine):
    X, y = binary_data
    X = X.astype(np.float32)
    Y = y.astype(np.float32)[:, None]
    w = np.ones(len(X), np.float32)
    spec = NetworkSpec(
        n_features=X.shape[1],
        hidden_layer_sizes=(8, 4),
        n_outputs=1,
        output_kind="binary",
        dropout=(0.0, 0.0),
        max_norm=(1.5, 1.5),
    )
    base = dict(
        alpha=0.001 * 2 * 16,  # an L2 factor of 0.001
        optimizer="sgd",
        learning_rate=0.1,
        momentum=0.9,
        nesterov=True,
        batch_size=16,
        epochs=5,
        seed=11,
    )
    results = []
    # With a callback, "auto" sends the fit to Model.fit.
    for callbacks, setting in [((), engine), ((keras.callbacks.History(),), "auto")]:
        config = TrainingConfig(**base, callbacks=callbacks, engine=setting)
        assert config.programs_train is (not callbacks)
        weights = initial_weights(spec, seed=4)
        results.append(_engine.train(spec, config, weights, X, Y, w))
    graph, fallback = results
    assert (graph.engine, fallback.engine) == (engine, "keras")
    assert graph.n_iter == fallback.n_iter == 5
    np.testing.assert_allclose(graph.loss_curve, fallback.loss_curve, rtol=1e-4)
    for u, v in zip(graph.weights, fallback.weights, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=2e-5)


def test_initial_weights_are_build_mlps(binary_data):
    spec = NetworkSpec(6, (8, 4), 1, "binary", dropout=(0.1, 0.0), max_norm=(1.0, None))
    for u, v in zip(
        initial_weights(spec, 9), build_mlp(spec, 9).get_weights(), strict=True
    ):
        np.testing.assert_array_equal(u, v)


def test_early_stopping_engine_matches_keras_fit(engine):
    # A regression's R^2 has no ties: the stopping decisions do not hinge on
    # a validation row sitting on the decision threshold, as an accuracy's can.
    X, y = make_regression(N_ROWS, 6, noise=10.0, random_state=0)
    X = StandardScaler().fit_transform(X)
    est = DropoutMLPRegressor(
        (8,),
        dropout=0.0,
        optimizer="sgd",
        learning_rate=0.01,
        momentum=0.9,
        batch_size=16,
        epochs=80,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        tol=1e-3,
        random_state=2,
        engine=engine,
    )
    graph = clone(est).fit(X, y)
    fallback = _keras_fallback(est).fit(X, y)
    assert (graph.engine_, fallback.engine_) == (engine, "keras")
    assert graph.n_iter_ < 80
    assert graph.n_iter_ == fallback.n_iter_
    np.testing.assert_allclose(
        graph.validation_scores_, fallback.validation_scores_, rtol=1e-4
    )
    np.testing.assert_allclose(graph.loss_curve_, fallback.loss_curve_, rtol=1e-4)
    _weights_close(graph, fallback)


@pytest.mark.parametrize("kind", ["binary", "multiclass"])
def test_early_stopping_on_accuracy_matches_keras_fit(
    binary_data, multiclass_data, kind, engine
):
    X, y = binary_data if kind == "binary" else multiclass_data
    est = DropoutMLPClassifier(
        (8,),
        dropout=0.0,
        optimizer="sgd",
        learning_rate=0.05,
        momentum=0.9,
        batch_size=16,
        epochs=60,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=3,
        random_state=2,
        engine=engine,
    )
    graph = clone(est).fit(X, y)
    fallback = _keras_fallback(est).fit(X, y)
    assert (graph.engine_, fallback.engine_) == (engine, "keras")
    # The validation accuracies are the same scores, epoch by epoch, as far
    # as both fits ran (a row on the 0.5 threshold may end one a bit sooner).
    n = min(graph.n_iter_, fallback.n_iter_)
    assert n >= 4 and 0.3 < max(graph.validation_scores_) <= 1.0
    np.testing.assert_allclose(
        graph.validation_scores_[:n], fallback.validation_scores_[:n], atol=1e-6
    )
    np.testing.assert_allclose(
        graph.loss_curve_[:n], fallback.loss_curve_[:n], rtol=1e-4
    )


class _RecordWeights(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.weights = []

    def on_epoch_end(self, epoch, logs=None):
        self.weights.append(self.model.get_weights())


def test_early_stopping_restores_best_epoch_weights(binary_data):
    X, y = binary_data
    recorder = _RecordWeights()
    est = DropoutMLPClassifier(
        (8,),
        dropout=0.0,
        optimizer="sgd",
        learning_rate=0.3,
        momentum=0.9,
        batch_size=16,
        epochs=60,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=4,
        callbacks=[recorder],
        random_state=0,
    ).fit(X, y)
    scores = est.validation_scores_
    recorder = est.callbacks_[0]  # the fit trains a copy; the user's is untouched
    assert len(recorder.weights) == est.n_iter_ == len(scores)
    best_epoch = int(np.argmax(scores))  # first epoch reaching the best score
    assert best_epoch < est.n_iter_ - 1, "the test needs a fit that got worse"
    for u, v in zip(
        est.model_.get_weights(), recorder.weights[best_epoch], strict=True
    ):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("engine", ["xla", "graph", "keras"])
def test_max_norm_holds_on_hidden_layers_only(binary_data, engine):
    X, y = binary_data
    limit = 0.5
    est = DropoutMLPClassifier(
        (8, 6),
        dropout=0.2,
        max_norm=limit,
        optimizer="sgd",
        learning_rate=0.5,
        momentum=0.9,
        batch_size=16,
        epochs=8,
        random_state=0,
        engine=engine,
    ).fit(X, y)
    assert est.engine_ == engine
    dense = [
        layer for layer in est.model_.layers if isinstance(layer, keras.layers.Dense)
    ]
    for layer in dense[:-1]:
        norms = np.linalg.norm(np.asarray(layer.kernel), axis=0)
        assert norms.max() <= limit + 1e-5
        assert norms.max() > 0.9 * limit  # the constraint was binding
    out_norms = np.linalg.norm(np.asarray(dense[-1].kernel), axis=0)
    assert dense[-1].kernel_constraint is None
    assert out_norms.max() > limit + 1e-3


def test_without_max_norm_hidden_norms_exceed_the_limit(binary_data):
    X, y = binary_data
    est = DropoutMLPClassifier(
        (8, 6),
        dropout=0.2,
        max_norm=None,
        optimizer="sgd",
        learning_rate=0.5,
        momentum=0.9,
        batch_size=16,
        epochs=8,
        random_state=0,
    ).fit(X, y)
    kernel = np.asarray(est.model_.layers[0].kernel)
    assert np.linalg.norm(kernel, axis=0).max() > 0.5 + 1e-3


def test_dropout_is_off_at_predict_time(binary_data):
    X, y = binary_data
    est = DropoutMLPClassifier(
        (16,), input_dropout=0.3, dropout=0.5, epochs=5, random_state=0
    ).fit(X, y)
    first = est.predict_proba(X)
    np.testing.assert_array_equal(first, est.predict_proba(X))
    inference = np.asarray(est.model_(X.astype(np.float32), training=False))
    np.testing.assert_allclose(first[:, 1], inference[:, 0], atol=1e-5)
    # The network does have active dropout layers in training mode.
    training = np.asarray(est.model_(X.astype(np.float32), training=True))
    assert np.abs(training - inference).max() > 1e-3


def test_dropout_is_on_during_training(binary_data, engine):
    X, y = binary_data
    params = dict(
        hidden_layer_sizes=(16,), max_norm=None, epochs=5, random_state=0, engine=engine
    )
    plain = DropoutMLPClassifier(dropout=0.0, **params).fit(X, y)
    dropped = DropoutMLPClassifier(dropout=0.5, **params).fit(X, y)
    visible = DropoutMLPClassifier(dropout=0.0, input_dropout=0.5, **params).fit(X, y)
    assert {plain.engine_, dropped.engine_, visible.engine_} == {engine}
    # Same seed, same initial weights: only dropout differs.
    assert not np.allclose(plain.loss_curve_, dropped.loss_curve_, rtol=1e-3)
    assert not np.allclose(plain.loss_curve_, visible.loss_curve_, rtol=1e-3)
    # Training with dropout is noisier: its loss is higher than without.
    assert np.mean(dropped.loss_curve_) > np.mean(plain.loss_curve_)


def test_compiled_program_serves_clones_grid_points_and_row_buckets():
    # An empty cache, so that nothing is evicted and the first fit traces.
    PROGRAMS.clear()
    X, y = make_classification(60, 7, random_state=4)
    est = DropoutMLPClassifier(
        (7, 3),
        dropout=0.1,
        max_norm=3.0,
        optimizer="sgd",
        epochs=3,
        random_state=0,
        engine="xla",
    )
    est.fit(X, y)
    assert est.engine_ == "xla"
    assert PROGRAMS.traces() == 1
    # 57 to 60 rows share a padded row bucket.
    for seed in range(3):
        clone(est).set_params(random_state=seed).fit(X[seed:], y[seed:])
    # Values, not structure: dropout on or off, max-norm or none, Nesterov,
    # L2, learning rate and momentum all run in the same program.
    grid = GridSearchCV(
        est,
        [
            {"dropout": [0.0, 0.3, (0.5, 0.2)], "learning_rate": [0.01, 0.1]},
            {"max_norm": [None, (1.0, 2.0)], "momentum": [0.5], "nesterov": [True]},
            {"input_dropout": [0.2], "alpha": [1e-3, 0.01]},
        ],
        cv=3,
        n_jobs=1,
    )
    grid.fit(X, y)
    assert len(grid.cv_results_["params"]) == 10
    # The folds' 40 rows are a second bucket; the refit on 60 reuses the first.
    assert PROGRAMS.traces() == 2
    # No L2 at all (alpha=0) is a program without the penalty's operations.
    clone(est).set_params(alpha=0.0).fit(X, y)
    assert PROGRAMS.traces() == 3


def test_a_new_structure_gets_a_new_program():
    PROGRAMS.clear()
    X, y = make_classification(60, 7, random_state=4)
    params = dict(dropout=0.1, epochs=2, random_state=0, engine="xla")
    DropoutMLPClassifier((5, 4), optimizer="sgd", **params).fit(X, y)
    assert PROGRAMS.traces() == 1
    DropoutMLPClassifier((5, 4), optimizer="adam", **params).fit(X, y)
    DropoutMLPClassifier((5, 3), optimizer="adam", **params).fit(X, y)
    DropoutMLPClassifier((5, 3), optimizer="adam", **params).fit(X[:, :6], y)
    DropoutMLPClassifier((5, 3), optimizer="adam", batch_size=8, **params).fit(
        X[:, :6], y
    )
    assert PROGRAMS.traces() == 5
    DropoutMLPClassifier((5, 3), optimizer="adam", **params).fit(X[:, :6], y)
    assert PROGRAMS.traces() == 5


def test_graph_program_flags_dropout_structurally():
    PROGRAMS.clear()
    X, y = make_classification(60, 7, random_state=4)
    est = DropoutMLPClassifier(
        (5,), dropout=0.1, batch_size=16, epochs=2, random_state=0, engine="graph"
    )
    est.fit(X, y)
    assert est.engine_ == "graph"
    clone(est).set_params(dropout=0.3).fit(X[:50], y[:50])  # any row count
    assert PROGRAMS.traces() == 1
    clone(est).set_params(dropout=0.0).fit(X, y)  # no mask operations at all
    assert PROGRAMS.traces() == 2


@pytest.fixture(scope="module")
def mc_fitted(binary_data, multiclass_data):
    fitted = {}
    for name, (X, y) in {"binary": binary_data, "multiclass": multiclass_data}.items():
        fitted[name] = DropoutMLPClassifier(
            (16,), input_dropout=0.1, dropout=0.3, epochs=10, random_state=0
        ).fit(X, y)
    return fitted


@pytest.mark.parametrize("kind,n_classes", [("binary", 2), ("multiclass", 3)])
def test_mc_predict_proba_shapes_and_spread(
    mc_fitted, binary_data, multiclass_data, kind, n_classes
):
    X = binary_data[0] if kind == "binary" else multiclass_data[0]
    est = mc_fitted[kind]
    mean, std = est.mc_predict_proba(X[:10], n_samples=30, random_state=0)
    assert mean.shape == std.shape == (10, n_classes)
    np.testing.assert_allclose(mean.sum(axis=1), 1.0, atol=1e-5)
    assert np.all(mean >= 0) and np.all(mean <= 1)
    assert np.all(std >= 0)
    assert std.max() > 1e-3
    assert np.all(std.max(axis=1) > 0)


def test_mc_predict_proba_is_reproducible_with_random_state(mc_fitted, binary_data):
    X = binary_data[0]
    est = mc_fitted["binary"]
    a = est.mc_predict_proba(X, n_samples=20, random_state=1)
    b = est.mc_predict_proba(X, n_samples=20, random_state=1)
    c = est.mc_predict_proba(X, n_samples=20, random_state=2)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert np.abs(a[0] - c[0]).max() > 1e-4


def test_mc_predict_proba_single_pass_has_zero_spread(mc_fitted, binary_data):
    mean, std = mc_fitted["binary"].mc_predict_proba(
        binary_data[0][:5], n_samples=1, random_state=0
    )
    assert mean.shape == (5, 2)
    np.testing.assert_array_equal(std, 0.0)


def test_mc_predict_proba_without_dropout_equals_predict_proba(binary_data):
    X, y = binary_data
    est = DropoutMLPClassifier(
        (16,), input_dropout=0.0, dropout=0.0, epochs=5, random_state=0
    ).fit(X, y)
    mean, std = est.mc_predict_proba(X, n_samples=10, random_state=0)
    # Every pass is the same: no spread beyond float rounding.
    assert std.max() <= 1e-6
    np.testing.assert_allclose(mean, est.predict_proba(X), atol=1e-5)


def test_verbose_0_prints_nothing(binary_data, capsys):
    X, y = binary_data
    DropoutMLPClassifier((8,), epochs=5, verbose=0, random_state=0).fit(X, y)
    out = capsys.readouterr()
    assert out.out == ""


def test_verbose_1_prints_a_progress_bar_to_the_last_epoch(binary_data, capsys):
    X, y = binary_data
    DropoutMLPClassifier((8,), epochs=5, verbose=1, random_state=0).fit(X, y)
    out = capsys.readouterr().out
    assert "loss" in out
    assert "━" in out or "=" in out  # the bar itself
    assert "5/5" in out  # the bar is completed


def test_verbose_2_prints_one_line_per_update(binary_data, capsys):
    X, y = binary_data
    DropoutMLPClassifier((8,), epochs=5, verbose=2, random_state=0).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line]
    assert len(lines) == 5
    assert all("loss" in line for line in lines)
