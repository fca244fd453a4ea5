"""No silent yes for parameters: every keyword is used or rejected by name."""

import inspect
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

SMALL = dict(hidden_layer_sizes=(8,), epochs=5, batch_size=16, random_state=0)
ESTIMATORS = [DropoutMLPClassifier, DropoutMLPRegressor]


# --------------------------------------------------------------------------
# Unknown keywords


@pytest.mark.parametrize("Estimator", ESTIMATORS)
@pytest.mark.parametrize(
    "keyword,match",
    [
        ("dropuot", "'dropuot'.*did you mean 'dropout'"),
        ("max_iter", "'max_iter'.*'epochs'"),
        ("learning_rate_init", "'learning_rate_init'.*'learning_rate'"),
        ("loss__from_logits", "'loss__from_logits'"),
        ("optimizer__", "'optimizer__'"),
    ],
)
def test_unknown_keyword_is_a_type_error(Estimator, keyword, match):
    with pytest.raises(TypeError, match=match):
        Estimator(**{keyword: 3})


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_signature_lists_the_parameters_and_routed_keywords_still_work(Estimator):
    parameters = inspect.signature(Estimator).parameters
    assert "kwargs" not in parameters
    assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    assert set(parameters) == set(Estimator().get_params())
    est = Estimator(optimizer__beta_2=0.95)
    assert est.get_params()["optimizer__beta_2"] == 0.95


@pytest.mark.parametrize("Estimator", ESTIMATORS)
def test_set_params_rejects_unknown_names_and_changes_nothing(Estimator):
    est = Estimator(dropout=0.3)
    before = est.get_params()
    with pytest.raises(ValueError, match="'dropuot'.*did you mean 'dropout'"):
        est.set_params(dropout=0.5, dropuot=0.9)
    assert est.get_params() == before
    assert "dropuot" not in vars(est)
    with pytest.raises(ValueError, match="'max_iter'.*'epochs'"):
        est.set_params(max_iter=3)
    # Routed optimizer options stay settable, and are parameters.
    est.set_params(optimizer__beta_2=0.95)
    assert est.get_params()["optimizer__beta_2"] == 0.95
    assert clone(est).get_params()["optimizer__beta_2"] == 0.95


def test_set_params_rejects_a_routed_prefix_other_than_optimizer():
    # (The constructor's TypeError is test_unknown_keyword_is_a_type_error.
    # The regressor has a `loss` parameter, so there `loss__*` is
    # scikit-learn's nested-parameter syntax, not a routed prefix.)
    est = DropoutMLPClassifier()
    with pytest.raises(ValueError, match="loss__from_logits"):
        est.set_params(loss__from_logits=True)


def test_epochs_is_what_trains(small_binary):
    X, y = small_binary
    est = DropoutMLPClassifier(**{**SMALL, "epochs": 3}).fit(X, y)
    assert est.n_iter_ == len(est.loss_curve_) == 3


# --------------------------------------------------------------------------
# Defaults, get_params and set_params


def test_get_params_and_set_params():
    est = DropoutMLPClassifier()
    params = est.get_params()
    expected = {
        "hidden_layer_sizes": (100,),
        "activation": "relu",
        "input_dropout": 0.0,
        "dropout": 0.2,
        "max_norm": 3.0,
        "optimizer": "adam",
        "learning_rate": 0.001,
        "momentum": 0.9,
        "nesterov": False,
        "alpha": 0.0001,
        "batch_size": 64,
        "epochs": 200,
        "early_stopping": False,
        "validation_fraction": 0.1,
        "n_iter_no_change": 10,
        "class_weight": None,
        "engine": "auto",
        "random_state": None,
        "verbose": 0,
    }
    for key, value in expected.items():
        assert params[key] == value, key
    assert est.set_params(dropout=0.4, hidden_layer_sizes=(5,)) is est
    assert est.dropout == 0.4
    assert est.get_params()["hidden_layer_sizes"] == (5,)


# --------------------------------------------------------------------------
# Values out of range


BAD_PARAMS = [
    (dict(input_dropout=1.0), "input_dropout"),
    (dict(input_dropout=-0.1), "input_dropout"),
    (dict(dropout=1.0), "dropout"),
    (dict(dropout=-0.2), "dropout"),
    (dict(hidden_layer_sizes=(8, 4), dropout=(0.2, 1.0)), "dropout"),
    (dict(hidden_layer_sizes=(8, 4), dropout=(-0.1, 0.2)), "dropout"),
    (dict(max_norm=0.0), "max_norm"),
    (dict(max_norm=-1.0), "max_norm"),
    (dict(hidden_layer_sizes=(8, 4), max_norm=(2.0, 0.0)), "max_norm"),
    (dict(hidden_layer_sizes=(8, 4), dropout=(0.1, 0.2, 0.3)), r"dropout.*3.*2"),
    (dict(hidden_layer_sizes=(8, 4), max_norm=(1.0,)), r"max_norm.*1.*2"),
    (dict(hidden_layer_sizes=(8, 0)), "hidden_layer_sizes"),
    (dict(epochs=0), "epochs"),
    (dict(batch_size=0), "batch_size"),
    (dict(optimizer="nosuchopt"), "nosuchopt"),
    (dict(activation="nosuchact"), "nosuchact"),
    (dict(learning_rate=0.0), "learning_rate"),
    (dict(class_weight="unbalanced"), "class_weight"),
]


@pytest.mark.parametrize(
    "params,match", BAD_PARAMS, ids=[str(p) for p, _ in BAD_PARAMS]
)
def test_bad_parameters_are_rejected_before_training(
    small_binary, no_training, params, match
):
    X, y = small_binary
    est = DropoutMLPClassifier(**{**SMALL, **params})
    with pytest.raises(ValueError, match=match):
        est.fit(X, y)


# --------------------------------------------------------------------------
# Routed optimizer options


def test_routed_optimizer_param_reaches_the_optimizer(small_binary):
    X, y = small_binary
    est = DropoutMLPClassifier((8,), epochs=5, random_state=0, optimizer__beta_1=0.5)
    assert est.get_params()["optimizer__beta_1"] == 0.5
    cloned = clone(est)
    assert cloned.get_params()["optimizer__beta_1"] == 0.5
    est.fit(X, y)
    assert est.model_.optimizer.beta_1 == pytest.approx(0.5)
    # It changes the training itself, not just the optimizer left behind.
    default = DropoutMLPClassifier((8,), epochs=5, random_state=0).fit(X, y)
    assert default.model_.optimizer.beta_1 == pytest.approx(0.9)
    assert not np.allclose(est.loss_curve_, default.loss_curve_, rtol=1e-4)
    # And clone keeps it: same model.
    cloned.fit(X, y)
    assert cloned.loss_curve_ == est.loss_curve_
    est.set_params(optimizer__beta_1=0.7)
    assert est.get_params()["optimizer__beta_1"] == 0.7
    assert est.fit(X, y).model_.optimizer.beta_1 == pytest.approx(0.7)


def test_routed_param_in_a_pipeline(small_binary):
    X, y = small_binary
    pipe = make_pipeline(StandardScaler(), DropoutMLPClassifier((8,), epochs=2))
    pipe.set_params(dropoutmlpclassifier__optimizer__beta_2=0.95)
    pipe = clone(pipe).fit(X, y)
    assert pipe[-1].model_.optimizer.beta_2 == pytest.approx(0.95)


@pytest.mark.parametrize("knob", ["learning_rate", "momentum", "nesterov"])
def test_routed_option_duplicating_a_knob_is_rejected(small_binary, no_training, knob):
    X, y = small_binary
    est = DropoutMLPClassifier(**SMALL, **{f"optimizer__{knob}": 10})
    with pytest.raises(ValueError, match=f"optimizer__{knob}.*set {knob}="):
        est.fit(X, y)


def test_routed_option_unknown_to_the_optimizer_is_rejected(small_binary, no_training):
    X, y = small_binary
    est = DropoutMLPClassifier(**SMALL, optimizer="adam", optimizer__rho=0.5)
    with pytest.raises(ValueError, match="rho"):
        est.fit(X, y)


def test_routed_option_with_an_optimizer_instance_is_rejected(
    small_binary, no_training
):
    X, y = small_binary
    est = DropoutMLPClassifier(
        **SMALL, optimizer=keras.optimizers.Adam(), optimizer__beta_1=0.5
    )
    with pytest.raises(ValueError, match="optimizer__beta_1.*instance"):
        est.fit(X, y)


def test_routed_option_the_graph_lacks_trains_through_model_fit(small_binary):
    X, y = small_binary
    sgd = dict(SMALL, optimizer="sgd", learning_rate=0.1)
    clipped = DropoutMLPClassifier(**sgd, optimizer__clipnorm=1e-3).fit(X, y)
    assert clipped.engine_ == "keras"
    assert clipped.model_.optimizer.clipnorm == pytest.approx(1e-3)
    # ... and it is used: clipping every gradient to a tiny norm slows learning.
    plain = DropoutMLPClassifier(**sgd).fit(X, y)
    assert plain.engine_ == "graph"
    drop_clipped = clipped.loss_curve_[0] - clipped.loss_curve_[-1]
    drop_plain = plain.loss_curve_[0] - plain.loss_curve_[-1]
    assert drop_clipped < 0.5 * drop_plain


@pytest.mark.parametrize(
    "cls,name", [(keras.optimizers.SGD, "sgd"), (keras.optimizers.RMSprop, "rmsprop")]
)
def test_optimizer_class_gets_the_knobs_of_its_name(small_binary, cls, name):
    X, y = small_binary
    params = dict(SMALL, learning_rate=0.05, momentum=0.9)
    by_class = DropoutMLPClassifier(**params, optimizer=cls).fit(X, y)
    by_name = DropoutMLPClassifier(**params, optimizer=name).fit(X, y)
    assert isinstance(by_class.model_.optimizer, cls)
    assert by_class.model_.optimizer.momentum == pytest.approx(0.9)
    assert by_class.engine_ == by_name.engine_ == "graph"
    assert by_class.loss_curve_ == by_name.loss_curve_
    no_momentum = DropoutMLPClassifier(**{**params, "momentum": 0.0}, optimizer=cls)
    assert no_momentum.fit(X, y).loss_curve_ != by_class.loss_curve_


def test_custom_optimizer_class_gets_momentum(small_binary):
    class MySGD(keras.optimizers.SGD):
        pass

    X, y = small_binary
    est = DropoutMLPClassifier(**SMALL, optimizer=MySGD, momentum=0.7).fit(X, y)
    assert est.engine_ == "keras"
    assert isinstance(est.model_.optimizer, MySGD)
    assert est.model_.optimizer.momentum == pytest.approx(0.7)


def test_other_keras_optimizers_train_through_model_fit(small_binary):
    X, y = small_binary
    est = DropoutMLPClassifier(
        (8,), optimizer="adagrad", learning_rate=0.1, epochs=3, random_state=0
    ).fit(X, y)
    assert est.engine_ == "keras"
    assert est.n_iter_ == len(est.loss_curve_) == 3
    assert isinstance(est.model_.optimizer, keras.optimizers.Adagrad)
    assert float(est.model_.optimizer.learning_rate) == pytest.approx(0.1)


def test_optimizer_instance_is_copied_not_used(binary):
    X, y = binary
    opt = keras.optimizers.SGD(learning_rate=0.05, momentum=0.5)
    est = DropoutMLPClassifier((8,), optimizer=opt, epochs=3, random_state=0)
    est.fit(X, y)
    assert est.optimizer is opt
    assert est.model_.optimizer is not opt
    assert int(opt.iterations) == 0
    assert float(est.model_.optimizer.learning_rate) == pytest.approx(0.05)
    assert est.score(X, y) > 0.6


# --------------------------------------------------------------------------
# numpy scalars


def test_numpy_scalars_work_like_python_scalars(small_binary):
    X, y = small_binary
    python = dict(
        hidden_layer_sizes=(8,),
        epochs=4,
        batch_size=16,
        learning_rate=0.01,
        dropout=0.25,
        early_stopping=True,
        validation_fraction=0.25,
        n_iter_no_change=3,
        random_state=0,
        alpha=1e-4,
    )
    numpy = dict(
        hidden_layer_sizes=(np.int64(8),),
        epochs=np.int64(4),
        batch_size=np.int32(16),
        learning_rate=np.float32(0.01),
        dropout=np.float64(0.25),
        early_stopping=np.bool_(True),
        validation_fraction=np.float32(0.25),
        n_iter_no_change=np.int64(3),
        random_state=np.int64(0),
        alpha=np.float32(1e-4),
    )
    a = DropoutMLPClassifier(**python).fit(X, y)
    b = DropoutMLPClassifier(**numpy).fit(X, y)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    restored = pickle.loads(pickle.dumps(b))  # the Keras config holds no numpy
    np.testing.assert_array_equal(restored.predict_proba(X), b.predict_proba(X))
    mc = b.mc_predict_proba(X, n_samples=np.int64(10), random_state=np.int64(0))
    ref = b.mc_predict_proba(X, n_samples=10, random_state=0)
    np.testing.assert_array_equal(mc[0], ref[0])
    reg = DropoutMLPRegressor(**numpy, mc_samples=np.int64(5)).fit(X, y.astype(float))
    assert reg.predict(X, return_std=True)[1].shape == (len(X),)
    assert reg.mc_predict(X, n_samples=np.int16(3))[0].shape == (len(X),)


def test_grid_search_over_numpy_ranges(small_binary):
    X, y = small_binary
    grid = GridSearchCV(
        DropoutMLPClassifier(hidden_layer_sizes=(8,), epochs=3, random_state=0),
        {"batch_size": np.arange(16, 48, 16), "dropout": np.linspace(0.0, 0.4, 2)},
        cv=2,
        error_score="raise",
    ).fit(X, y)
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert len(grid.cv_results_["params"]) == 4


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, np.float64(3.0)])
def test_n_samples_must_be_a_positive_integer(small_binary, bad):
    X, y = small_binary
    est = DropoutMLPClassifier(**SMALL).fit(X, y)
    with pytest.raises(ValueError, match="n_samples"):
        est.mc_predict_proba(X, n_samples=bad)


# --------------------------------------------------------------------------
# MLPClassifier parity


def test_n_iter_no_change_inf_runs_every_epoch(small_binary):
    X, y = small_binary
    est = DropoutMLPClassifier(
        **{**SMALL, "epochs": 12},
        early_stopping=True,
        n_iter_no_change=np.inf,
        tol=1e9,  # no epoch ever counts as an improvement
    ).fit(X, y)
    assert est.n_iter_ == 12
    stops = DropoutMLPClassifier(
        **{**SMALL, "epochs": 12}, early_stopping=True, n_iter_no_change=1, tol=1e9
    ).fit(X, y)
    assert stops.n_iter_ == 3  # the first epoch improves on -inf, two more do not
    with pytest.raises(ValueError, match="n_iter_no_change"):
        DropoutMLPClassifier(n_iter_no_change=-np.inf).fit(X, y)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_regressor_keeps_float32(small_binary, dtype):
    X, y = small_binary
    X = X.astype(dtype)
    reg = DropoutMLPRegressor(**SMALL).fit(X, y.astype(dtype))
    assert reg.predict(X).dtype == dtype
    mean, std = reg.predict(X, return_std=True)
    assert mean.dtype == std.dtype == dtype
    np.testing.assert_allclose(
        reg.predict(X.astype(np.float32)), reg.predict(X.astype(np.float64)), rtol=1e-5
    )


def test_a_nested_key_on_a_plain_parameter_is_refused_naming_it():
    from dropoutmlp import DropoutMLPRegressor

    est = DropoutMLPRegressor()
    with pytest.raises(ValueError, match="Invalid parameter 'loss__from_logits'"):
        est.set_params(loss__from_logits=True)
    assert est.loss == "squared_error"
