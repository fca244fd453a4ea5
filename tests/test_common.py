"""The scikit-learn contract: its own estimator checks on the default
estimators, and what they leave out: feature names from a DataFrame, inputs
left unchanged, pipelines and grid searches in worker processes."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_estimator_tags_renamed,
    parametrize_with_checks,
)

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

SMALL = dict(
    hidden_layer_sizes=(8,),
    epochs=20,
    batch_size=32,
    learning_rate=0.02,
    random_state=0,
)

_SAMPLE_WEIGHT_EQUIVALENCE = (
    "Weighting a row is not the same as repeating it under stochastic "
    "mini-batch training with dropout: a repeated row lands in more batches, "
    "changes every epoch's shuffle and draws its own dropout masks, so the "
    "two fits follow different random paths. scikit-learn runs this check on "
    "its own MLPs only with special settings (MLPClassifier with the "
    "full-batch 'lbfgs' solver, MLPRegressor with a loose tol)."
)
EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT_EQUIVALENCE,
    "check_sample_weight_equivalence_on_sparse_data": _SAMPLE_WEIGHT_EQUIVALENCE,
}


@parametrize_with_checks(
    [DropoutMLPClassifier(random_state=0), DropoutMLPRegressor(random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


@pytest.mark.parametrize("Estimator", [DropoutMLPClassifier, DropoutMLPRegressor])
def test_tags_check_passes_when_a_user_runs_it(Estimator):
    # No class of the MRO defines the pre-1.6 `_more_tags` (scikeras'
    # BaseWrapper did): the check a user runs passes, no expected failure.
    check_estimator_tags_renamed(Estimator.__name__, Estimator())
    assert not any("_more_tags" in vars(klass) for klass in Estimator.mro())


# --------------------------------------------------------------------------
# Data in and out


def test_feature_names_in_with_a_dataframe(binary):
    X, y = binary
    columns = [f"f{i}" for i in range(X.shape[1])]
    df = pd.DataFrame(X, columns=columns)
    est = DropoutMLPClassifier(**SMALL).fit(df, pd.Series(y, name="target"))
    np.testing.assert_array_equal(est.feature_names_in_, columns)
    assert est.n_features_in_ == len(columns)
    ref = DropoutMLPClassifier(**SMALL).fit(X, y)
    np.testing.assert_allclose(est.predict_proba(df), ref.predict_proba(X), atol=1e-6)
    with pytest.raises(ValueError, match="feature names"):
        est.predict(df.rename(columns={"f0": "other"}))
    with pytest.warns(UserWarning, match="feature names"):
        est.predict(X)


def test_inputs_are_not_mutated(multiclass):
    X, y = multiclass
    X = np.asfortranarray(X)  # a layout that must be converted
    X32 = X.astype(np.float32)
    sw = np.random.RandomState(0).uniform(0.0, 2.0, len(y))
    sw[:5] = 0.0
    y_str = np.array(["a", "b", "c"])[y]
    copies = [a.copy() for a in (X, X32, y, y_str, sw)]
    hidden, rates = [8, 4], [0.1, 0.2]
    est = DropoutMLPClassifier(
        hidden,
        dropout=rates,
        max_norm=[2.0, None],
        class_weight="balanced",
        early_stopping=True,
        epochs=5,
        random_state=0,
    )
    est.fit(X, y, sample_weight=sw)
    est.predict(X)
    est.predict_proba(X)
    est.mc_predict_proba(X, n_samples=2)
    est.fit(X32, y_str, sample_weight=sw)
    est.predict(X32)
    est.predict_proba(X32)
    for a, b in zip((X, X32, y, y_str, sw), copies, strict=True):
        np.testing.assert_array_equal(a, b)
    assert hidden == [8, 4] and rates == [0.1, 0.2]
    assert est.hidden_layer_sizes is hidden
    df = pd.DataFrame(X, columns=list("abcdef"))
    df_copy = df.copy()
    est.fit(df, y)
    est.predict(df)
    pd.testing.assert_frame_equal(df, df_copy)


# --------------------------------------------------------------------------
# Meta-estimators


def test_pipeline_with_standard_scaler(binary):
    X, y = binary
    X_raw = X * 100.0 + 50.0
    pipe = make_pipeline(StandardScaler(), DropoutMLPClassifier(**SMALL))
    pipe.fit(X_raw, y)
    assert pipe.score(X_raw, y) > 0.8
    direct = DropoutMLPClassifier(**SMALL).fit(StandardScaler().fit_transform(X_raw), y)
    np.testing.assert_allclose(
        pipe.predict_proba(X_raw),
        direct.predict_proba(StandardScaler().fit_transform(X_raw)),
        atol=1e-6,
    )
    pipe.set_params(dropoutmlpclassifier__dropout=0.0)
    assert pipe[-1].dropout == 0.0


def test_grid_search_in_parallel(binary, deadline):
    X, y = binary
    grid = GridSearchCV(
        DropoutMLPClassifier((8,), epochs=5, random_state=0),
        {"dropout": [0.0, 0.5]},
        cv=2,
        n_jobs=2,
    )
    with deadline(300, "GridSearchCV(n_jobs=2)"):
        grid.fit(X, y)
    assert grid.best_params_["dropout"] in (0.0, 0.5)
    assert len(grid.cv_results_["mean_test_score"]) == 2
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
    assert grid.best_estimator_.dropout == grid.best_params_["dropout"]
    assert grid.predict(X).shape == y.shape
    # Workers fit the same models as this process would.
    manual = cross_val_score(
        DropoutMLPClassifier((8,), epochs=5, random_state=0, dropout=0.5),
        X,
        y,
        cv=2,
    )
    np.testing.assert_allclose(grid.cv_results_["mean_test_score"][1], manual.mean())
