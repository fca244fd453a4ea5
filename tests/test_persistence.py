"""Copies of an estimator: clone, pickle, joblib and skops round trips (here
and in a fresh process, without scikeras), and the same model refitted in a
fresh process."""

import json
import os
import pickle
import subprocess
import sys
import warnings

import joblib
import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

PARAMS = dict(
    hidden_layer_sizes=(8, 4),
    input_dropout=0.1,
    dropout=0.3,
    epochs=6,
    batch_size=16,
    random_state=7,
)
# What skops.io.load(..., trusted=...) must trust, as the docstrings say.
TRUSTED = {
    DropoutMLPClassifier: ["dropoutmlp._classifier.DropoutMLPClassifier"],
    DropoutMLPRegressor: ["dropoutmlp._regressor.DropoutMLPRegressor"],
}

# Loads the files a fitted classifier was saved to, then fits one with the
# same parameters afresh; prints what each predicts.
_LOAD_SCRIPT = """
import json, pickle, sys
import joblib
import numpy as np
import skops.io as sio
from sklearn.datasets import make_classification

X, y = make_classification(60, 5, random_state=0)
paths, trusted = json.loads(sys.argv[1]), json.loads(sys.argv[2])
params = json.loads(sys.argv[3])
loaded = {}
with open(paths["pickle"], "rb") as f:
    loaded["pickle"] = pickle.load(f)
loaded["joblib"] = joblib.load(paths["joblib"])
loaded["skops"] = sio.load(paths["skops"], trusted=trusted)
out = {"scikeras_imported": "scikeras" in sys.modules}
for fmt, est in loaded.items():
    mc = est.mc_predict_proba(X, n_samples=5, random_state=0)
    out[fmt] = {
        "proba": est.predict_proba(X).tolist(),
        "mc_mean": mc[0].tolist(),
        "mc_std": mc[1].tolist(),
        "n_iter": est.n_iter_,
    }
from dropoutmlp import DropoutMLPClassifier
params["hidden_layer_sizes"] = tuple(params["hidden_layer_sizes"])
out["refit"] = DropoutMLPClassifier(**params).fit(X, y).predict_proba(X).tolist()
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def sio():
    """skops.io (the tests that need it skip without it)."""
    return pytest.importorskip("skops.io")


@pytest.fixture(scope="module")
def data():
    return make_classification(60, 5, random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return DropoutMLPClassifier(**PARAMS).fit(X, y)


def _keras_objects(obj, path="state"):
    """Paths of live Keras objects anywhere inside ``obj``."""
    if isinstance(obj, (keras.Model, keras.layers.Layer, keras.optimizers.Optimizer)):
        return [path]
    if isinstance(obj, dict):
        items = obj.items()
    elif isinstance(obj, (list, tuple)):
        items = enumerate(obj)
    else:
        return []
    return [p for k, v in items for p in _keras_objects(v, f"{path}[{k!r}]")]


def test_state_holds_arrays_and_plain_values_only(fitted):
    assert fitted.model_.built  # built and cached: still not part of the state
    state = fitted.__getstate__()
    assert "model_" not in state and "_keras_model" not in state
    assert _keras_objects(state) == []
    assert all(
        isinstance(w, np.ndarray) for w in state["coefs_"] + state["intercepts_"]
    )
    assert json.loads(json.dumps(state["_spec"]))["hidden_layer_sizes"] == [8, 4]
    assert (
        json.loads(json.dumps(state["_optimizer_config"]))["class_name"].lower()
        == "adam"
    )
    # scikeras' process-wide keras.Model.__reduce__ patch is never reached.
    assert b"scikeras" not in pickle.dumps(fitted)


@pytest.fixture(scope="module")
def fresh_process(fitted, sio, tmp_path_factory):
    """What a new Python process predicts: ``fitted`` loaded from pickle,
    joblib and skops files, and a classifier of its parameters fitted there."""
    tmp_path = tmp_path_factory.mktemp("fresh")
    paths = {
        "pickle": str(tmp_path / "est.pkl"),
        "joblib": str(tmp_path / "est.joblib"),
        "skops": str(tmp_path / "est.skops"),
    }
    with open(paths["pickle"], "wb") as f:
        pickle.dump(fitted, f)
    joblib.dump(fitted, paths["joblib"])
    sio.dump(fitted, paths["skops"])
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            _LOAD_SCRIPT,
            json.dumps(paths),
            json.dumps(TRUSTED[DropoutMLPClassifier]),
            json.dumps(PARAMS),
        ],
        capture_output=True,
        text=True,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_round_trips_in_a_fresh_process(fresh_process, fitted, data):
    X, _ = data
    out = dict(fresh_process)
    assert out.pop("scikeras_imported") is False
    mc_mean, mc_std = fitted.mc_predict_proba(X, n_samples=5, random_state=0)
    for fmt in ("pickle", "joblib", "skops"):
        np.testing.assert_array_equal(out[fmt]["proba"], fitted.predict_proba(X))
        np.testing.assert_array_equal(out[fmt]["mc_mean"], mc_mean)
        np.testing.assert_array_equal(out[fmt]["mc_std"], mc_std)
        assert out[fmt]["n_iter"] == fitted.n_iter_


def test_same_random_state_same_model_in_a_fresh_process(fresh_process, fitted, data):
    X, _ = data
    np.testing.assert_allclose(
        fresh_process["refit"], fitted.predict_proba(X), atol=1e-6
    )


# --------------------------------------------------------------------------
# In this process


def test_clone(fitted, data):
    X, y = data
    unfitted = clone(fitted)
    assert not hasattr(unfitted, "model_")
    assert unfitted.get_params() == fitted.get_params()
    refit = unfitted.fit(X, y)
    np.testing.assert_allclose(
        refit.predict_proba(X), fitted.predict_proba(X), atol=1e-6
    )


def _assert_same_fitted(a, b, X):
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X), atol=1e-6)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    np.testing.assert_array_equal(a.classes_, b.classes_)
    assert a.loss_curve_ == b.loss_curve_
    assert a.n_iter_ == b.n_iter_
    assert a.n_features_in_ == b.n_features_in_
    assert a.get_params() == b.get_params()


@pytest.mark.parametrize("fmt", ["pickle", "joblib"])
def test_round_trip_keeps_the_fitted_estimator(fitted, data, tmp_path, fmt):
    X, _ = data
    if fmt == "pickle":
        restored = pickle.loads(pickle.dumps(fitted))
    else:
        joblib.dump(fitted, tmp_path / "est.joblib")
        restored = joblib.load(tmp_path / "est.joblib")
    _assert_same_fitted(fitted, restored, X)
    a = fitted.mc_predict_proba(X, n_samples=5, random_state=0)
    b = restored.mc_predict_proba(X, n_samples=5, random_state=0)
    np.testing.assert_allclose(a[0], b[0], atol=1e-6)


def test_unpickling_is_warning_free(fitted):
    data = pickle.dumps(fitted)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        restored = pickle.loads(data)
    # Third-party DeprecationWarnings aside, a round trip warns about nothing.
    user_warnings = [
        str(w.message) for w in caught if issubclass(w.category, UserWarning)
    ]
    assert user_warnings == []
    assert restored.n_iter_ == fitted.n_iter_


def test_pickle_unfitted_round_trip():
    est = DropoutMLPClassifier((3, 2), dropout=(0.1, 0.2), optimizer__beta_1=0.5)
    restored = pickle.loads(pickle.dumps(est))
    assert restored.get_params() == est.get_params()
    assert not hasattr(restored, "model_")


def test_fitted_estimator_can_be_refit_after_unpickling(fitted, data):
    X, y = data
    restored = pickle.loads(pickle.dumps(fitted))
    restored.fit(X, y)
    np.testing.assert_allclose(
        restored.predict_proba(X), fitted.predict_proba(X), atol=1e-6
    )


@pytest.mark.parametrize("Estimator", [DropoutMLPClassifier, DropoutMLPRegressor])
def test_skops_trusts_exactly_the_documented_types(data, sio, Estimator):
    X, y = data
    est = Estimator(**PARAMS).fit(X, y)
    dumped = sio.dumps(est)
    assert sio.get_untrusted_types(data=dumped) == TRUSTED[Estimator]
    for name in TRUSTED[Estimator]:
        assert name in " ".join(Estimator.__doc__.split())
    with pytest.raises(Exception, match="[Uu]ntrusted"):
        sio.loads(dumped)
    restored = sio.loads(dumped, trusted=TRUSTED[Estimator])
    np.testing.assert_array_equal(restored.predict(X), est.predict(X))
    assert restored.get_params() == est.get_params()


def test_regressor_round_trip_keeps_target_scale_and_std(data, sio):
    X, y = data
    est = DropoutMLPRegressor(**PARAMS).fit(X, 100 * y + 3.0)
    for restored in (
        pickle.loads(pickle.dumps(est)),
        sio.loads(sio.dumps(est), trusted=TRUSTED[DropoutMLPRegressor]),
    ):
        np.testing.assert_array_equal(restored.predict(X), est.predict(X))
        for a, b in zip(
            restored.predict(X, return_std=True),
            est.predict(X, return_std=True),
            strict=True,
        ):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(restored.target_mean_, est.target_mean_)
        np.testing.assert_array_equal(restored.target_scale_, est.target_scale_)


def test_restored_model_is_compiled_with_the_same_optimizer(fitted):
    restored = pickle.loads(pickle.dumps(fitted))
    opt, opt_restored = fitted.model_.optimizer, restored.model_.optimizer
    assert type(opt_restored) is type(opt)
    assert opt_restored.get_config() == opt.get_config()
    for a, b in zip(opt.variables, opt_restored.variables, strict=True):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_mlflow_sklearn_round_trip(fitted, data, tmp_path):
    mlflow_sklearn = pytest.importorskip("mlflow.sklearn")
    X, _ = data
    path = str(tmp_path / "model")
    # mlflow's sklearn flavour saves with skops by default.
    mlflow_sklearn.save_model(
        fitted,
        path,
        serialization_format="skops",
        skops_trusted_types=TRUSTED[DropoutMLPClassifier],
        pip_requirements=["dropoutmlp"],
    )
    loaded = mlflow_sklearn.load_model(path)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
