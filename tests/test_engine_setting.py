"""The ``engine`` setting: each explicit setting trains the fit itself,
"auto" chooses by one pure rule (``choose_engine``, read here without
patching its thresholds), and a setting that cannot train the fit is refused,
naming it, before training."""

import keras
import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.datasets import make_classification

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor, NetworkSpec
from dropoutmlp._engine import TrainingConfig, _driver

ESTIMATORS = [DropoutMLPClassifier, DropoutMLPRegressor]
SPEC = NetworkSpec(
    n_features=5, hidden_layer_sizes=(4,), n_outputs=1, output_kind="binary"
)
# The same network with its hidden layer's output rate learned.
CONCRETE = NetworkSpec(
    n_features=5,
    hidden_layer_sizes=(4,),
    n_outputs=1,
    output_kind="binary",
    dropout=(0.1,),
    concrete=(False, True),
)


# The network and rows of every fit that trains below: a program is keyed by
# structure, not by epochs or seeds, so the ones a test compiles serve the
# others.
FIT = dict(hidden_layer_sizes=(4,), batch_size=10, random_state=0)


@pytest.fixture(scope="module")
def hundred_rows():
    """(X, y): 100 rows of 5 features, 10 batches an epoch."""
    return make_classification(100, 5, random_state=0)


def _choose(config, n_rows=100, sparse=False, spec=SPEC):
    return _driver.choose_engine(spec, config, n_rows, sparse)


# --------------------------------------------------------------------------
# "auto": the rule, as a pure function of the fit


def test_auto_compiles_the_fits_long_enough_to_repay_it():
    # By optimizer steps: 100 rows in batches of 10 are 10 steps an epoch.
    epochs = -(-_driver.XLA_MIN_STEPS // 10)
    assert (epochs - 1) * 100 < _driver.XLA_MIN_ROWS  # row visits stay short
    assert _choose(TrainingConfig(batch_size=10, epochs=epochs)) == "xla"
    assert _choose(TrainingConfig(batch_size=10, epochs=epochs - 1)) == "graph"
    # By row visits: one full batch an epoch, few steps.
    epochs = -(-_driver.XLA_MIN_ROWS // 1000)
    assert epochs < _driver.XLA_MIN_STEPS  # steps stay short
    full_batch = TrainingConfig(batch_size=1000, epochs=epochs)
    assert _choose(full_batch, n_rows=1000) == "xla"
    fewer = TrainingConfig(batch_size=1000, epochs=epochs - 1)
    assert _choose(fewer, n_rows=1000) == "graph"
    # Sparse rows stay on the graph program however long the fit.
    assert _choose(full_batch, n_rows=1000, sparse=True) == "graph"
    # Learned rates train on the programs as fixed ones do.
    assert _choose(full_batch, n_rows=1000, spec=CONCRETE) == "xla"


@pytest.mark.parametrize(
    "setting",
    [
        {"callbacks": (keras.callbacks.History(),)},
        {"optimizer": "adagrad"},
        {"optimizer": "nadam"},
        {"optimizer": "sgd", "optimizer_options": (("clipnorm", 1.0),)},
    ],
    ids=["callbacks", "adagrad", "nadam", "sgd-clipnorm"],
)
def test_auto_sends_what_the_programs_cannot_train_to_model_fit(setting):
    config = TrainingConfig(batch_size=10, epochs=10**4, **setting)
    assert not config.programs_train
    assert _choose(config) == _choose(config, sparse=True) == "keras"


@pytest.mark.parametrize("engine", ["xla", "graph", "keras"])
def test_an_explicit_setting_is_the_choice_short_or_long(engine):
    for epochs in (1, 10**4):
        config = TrainingConfig(batch_size=10, epochs=epochs, engine=engine)
        assert _choose(config) == engine
        if engine != "xla":
            assert _choose(config, sparse=True) == engine


# --------------------------------------------------------------------------
# Every explicit setting is honoured


@pytest.mark.parametrize("engine", ["xla", "graph", "keras"])
def test_every_setting_trains_the_fit_it_names(hundred_rows, engine):
    # (The regressor's settings: test_poisson's fits on each engine.)
    X, y = hundred_rows
    # A short fit, which "auto" puts on the graph program.
    est = DropoutMLPClassifier(**FIT, epochs=2, engine=engine)
    assert est.fit(X, y).engine_ == engine
    assert clone(est).get_params()["engine"] == engine
    assert clone(est).partial_fit(X, y, classes=np.unique(y)).engine_ == engine
    if engine != "xla":
        assert clone(est).fit(sp.csr_matrix(X), y).engine_ == engine


def test_auto_runs_short_fits_and_sparse_rows_on_the_graph_long_ones_compiled(
    hundred_rows,
):
    X, y = hundred_rows
    short = DropoutMLPClassifier(**FIT, epochs=5)
    assert short.get_params()["engine"] == "auto"
    assert short.fit(X, y).engine_ == "graph"
    epochs = -(-_driver.XLA_MIN_STEPS // 10)  # 10 batches per epoch
    long = clone(short).set_params(epochs=epochs, n_iter_no_change=np.inf)
    assert long.fit(X, y).engine_ == "xla"
    assert long.n_iter_ == epochs
    assert long.fit(sp.csr_matrix(X), y).engine_ == "graph"
    assert long.n_iter_ == epochs


# --------------------------------------------------------------------------
# A setting that cannot train the fit is refused before training

REFUSED = [
    ("xla", {"callbacks": [keras.callbacks.History()]}, r"engine='xla'.*1 callback"),
    ("graph", {"callbacks": [keras.callbacks.History()]}, r"engine='graph'.*callback"),
    ("xla", {"optimizer": "nadam"}, r"engine='xla'.*optimizer='nadam'"),
    ("graph", {"optimizer": "nadam"}, r"engine='graph'.*optimizer='nadam'"),
    ("keras", {"dropout": "concrete"}, r"concrete.*engine='keras'"),
    ("keras", {"input_dropout": "concrete"}, r"concrete.*engine='keras'"),
]


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "engine,params,match",
    REFUSED,
    ids=[f"{engine}-{next(iter(params))}" for engine, params, _ in REFUSED],
)
def test_a_setting_that_cannot_train_the_fit_is_refused_before_training(
    small_binary, no_training, Estimator, engine, params, match
):
    X, y = small_binary
    est = Estimator((4,), epochs=2, engine=engine, **params)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)
    assert not hasattr(est, "coefs_")
    # The pure rule refuses it too.
    config = TrainingConfig(
        engine=engine,
        optimizer=params.get("optimizer", "adam"),
        callbacks=tuple(params.get("callbacks", ())),
    )
    spec = CONCRETE if "concrete" in params.values() else SPEC
    with pytest.raises(ValueError, match=match):
        _choose(config, spec=spec)


def test_xla_with_sparse_X_is_refused_naming_the_graph(small_binary):
    X, y = small_binary
    est = DropoutMLPClassifier((4,), epochs=2, engine="xla")
    with pytest.raises(ValueError, match=r"engine='xla'.*sparse.*engine='graph'"):
        est.fit(sp.csr_matrix(X), y)
    assert not hasattr(est, "coefs_")
    with pytest.raises(ValueError, match=r"engine='xla'.*sparse"):
        _choose(TrainingConfig(engine="xla"), sparse=True)


def test_an_unknown_setting_is_rejected_naming_engine(small_binary, no_training):
    X, y = small_binary
    with pytest.raises(ValueError, match="engine"):
        DropoutMLPClassifier(engine="gpu").fit(X, y)
