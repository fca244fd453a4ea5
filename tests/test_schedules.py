"""Learning-rate schedules: MLPClassifier's (constant, invscaling, adaptive)
and cosine, the same on every engine and optimizer, with dropout on."""

import warnings

import keras
import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

ENGINES = ["xla", "graph", "keras"]
OPTIMIZERS = {
    "sgd": dict(optimizer="sgd", learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam": dict(optimizer="adam", learning_rate=0.01),
    "rmsprop": dict(optimizer="rmsprop", learning_rate=0.005, momentum=0.5),
}
DROPOUT = dict(input_dropout=0.2, dropout=0.3, max_norm=3.0, alpha=1e-3)


@pytest.fixture(scope="module")
def data():
    return make_classification(120, 6, n_informative=4, random_state=0)


def _fit(X, y, **params):
    params = {"hidden_layer_sizes": (8,), "batch_size": 16, "random_state": 0, **params}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return DropoutMLPClassifier(**params).fit(X, y)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("schedule", ["constant", "invscaling"])
def test_learning_rate_warmstart(engine, schedule):
    """scikit-learn's test_learning_rate_warmstart: the rate goes on over warm
    starts, invscaling's after every row trained on (``t_``)."""
    X = [[3, 2], [1, 6], [5, 6], [-2, -4]]
    y = [1, 1, 1, 0]
    est = DropoutMLPClassifier(
        hidden_layer_sizes=4,
        optimizer="sgd",
        learning_rate_schedule=schedule,
        power_t=0.25,
        epochs=1,
        warm_start=True,
        engine=engine,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for _ in range(3):
            est.fit(X, y)
    lr0 = est.learning_rate
    expected = [lr0] * 3
    if schedule == "invscaling":  # after 0, 4 and 8 rows trained on
        expected = [lr0, lr0 / pow(4 + 1, 0.25), lr0 / pow(8 + 1, 0.25)]
    np.testing.assert_allclose(est.learning_rate_curve_, expected, rtol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_adaptive_learning_rate(engine):
    """scikit-learn's test_adaptive_learning_rate: the rate is divided until
    it is at most 1e-6, then the fit stops before its epochs run out."""
    X = [[3, 2], [1, 6]]
    y = [1, 0]
    est = DropoutMLPClassifier(
        tol=0.5,
        epochs=3000,
        optimizer="sgd",
        learning_rate_schedule="adaptive",
        engine=engine,
        random_state=0,
    ).fit(X, y)
    assert est.n_iter_ < est.epochs
    assert est.learning_rate_curve_[-1] < 1e-6
    rates = np.asarray(est.learning_rate_curve_)
    drops = rates[1:][rates[1:] != rates[:-1]] / rates[:-1][rates[1:] != rates[:-1]]
    np.testing.assert_allclose(drops, 1 / 5, rtol=1e-5)  # each change divides by 5


@pytest.mark.parametrize(
    "schedule, optimizer",
    [("invscaling", "sgd"), ("adaptive", "adam"), ("cosine", "rmsprop")],
)
def test_every_engine_follows_the_schedule_with_dropout_on(data, schedule, optimizer):
    """The rates of the three engines agree with dropout and max-norm on
    (adaptive's depend on the fit's losses: checked on the programs, whose
    masks are alike in distribution only, by their form)."""
    X, y = data
    params = dict(
        **DROPOUT,
        **OPTIMIZERS[optimizer],
        epochs=10,
        learning_rate_schedule=schedule,
        power_t=0.3,
        n_iter_no_change=1,
        tol=1e-2,
    )
    fits = {engine: _fit(X, y, engine=engine, **params) for engine in ENGINES}
    lr0 = params["learning_rate"]
    for engine, est in fits.items():
        rates = np.asarray(est.learning_rate_curve_)
        k = np.arange(len(rates))
        assert len(rates) == len(est.loss_curve_) == est.n_iter_
        if schedule == "invscaling":
            expected = lr0 / (k * len(X) + 1.0) ** 0.3
        elif schedule == "cosine":
            expected = lr0 * (1 + np.cos(np.pi * k / 10)) / 2
        else:  # lr0 divided by 5 some number of times, never raised
            steps = np.log(lr0 / rates) / np.log(5)
            np.testing.assert_allclose(steps, np.round(steps), atol=1e-4)
            assert (np.diff(rates) <= 0).all(), engine
            continue
        np.testing.assert_allclose(rates, expected, rtol=2e-5, err_msg=engine)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
def test_programs_and_model_fit_train_alike_under_a_schedule(data, optimizer):
    """Without dropout (the masks are the engines' only difference), the
    compiled program and Model.fit give the same weights under invscaling."""
    X, y = data
    params = dict(
        **OPTIMIZERS[optimizer],
        dropout=0.0,
        max_norm=None,
        epochs=5,
        learning_rate_schedule="invscaling",
        n_iter_no_change=np.inf,
    )
    xla = _fit(X, y, engine="xla", **params)
    fallback = _fit(X, y, engine="keras", **params)
    constant = _fit(
        X, y, engine="xla", **{**params, "learning_rate_schedule": "constant"}
    )
    for u, v, c in zip(xla.coefs_, fallback.coefs_, constant.coefs_, strict=True):
        np.testing.assert_allclose(u, v, rtol=1e-4, atol=2e-5)
        assert not np.allclose(u, c, rtol=1e-3)  # the schedule changed the fit


@pytest.mark.parametrize("engine", ["xla", "graph"])
def test_concrete_dropout_trains_under_a_schedule(data, engine):
    X, y = data
    est = _fit(
        X,
        y,
        engine=engine,
        dropout="concrete",
        epochs=8,
        learning_rate_schedule="cosine",
        n_iter_no_change=np.inf,
    )
    expected = 0.001 * (1 + np.cos(np.pi * np.arange(8) / 8)) / 2
    np.testing.assert_allclose(est.learning_rate_curve_, expected, rtol=2e-5)
    assert len(est.dropout_curve_) == 8


def test_adaptive_without_a_stopping_rule_keeps_the_rate(data):
    X, y = data
    est = _fit(
        X,
        y,
        epochs=10,
        learning_rate_schedule="adaptive",
        n_iter_no_change=np.inf,
    )
    assert est.learning_rate_curve_ == [pytest.approx(0.001)] * 10


def test_partial_fit_goes_on_along_invscaling(data):
    X, y = data
    est = DropoutMLPClassifier(
        hidden_layer_sizes=(8,),
        optimizer="sgd",
        learning_rate=0.1,
        learning_rate_schedule="invscaling",
        random_state=0,
    )
    for _ in range(3):
        est.partial_fit(X[:40], y[:40], classes=[0, 1])
    expected = 0.1 / (np.array([0, 40, 80]) + 1.0) ** 0.5
    np.testing.assert_allclose(est.learning_rate_curve_, expected, rtol=1e-6)


@pytest.mark.parametrize("Estimator", [DropoutMLPClassifier, DropoutMLPRegressor])
def test_a_schedule_with_an_optimizer_instance_is_refused_before_training(
    Estimator, data
):
    X, y = data
    est = Estimator(
        optimizer=keras.optimizers.SGD(0.1), learning_rate_schedule="cosine", epochs=1
    )
    with pytest.raises(ValueError, match="learning_rate_schedule='cosine'"):
        est.fit(X, np.asarray(y, float))
    assert not hasattr(est, "n_features_in_")


def test_an_unknown_schedule_is_refused_naming_it(data):
    X, y = data
    with pytest.raises(ValueError, match="learning_rate_schedule"):
        DropoutMLPClassifier(learning_rate_schedule="step").fit(X, y)
