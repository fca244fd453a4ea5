"""A validation set of the user's own: fit(..., X_val, y_val, sample_weight_val)."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

ENGINES = ["xla", "graph", "keras"]
FAST = dict(
    hidden_layer_sizes=(8,),
    input_dropout=0.1,
    dropout=0.2,
    batch_size=16,
    epochs=8,
    random_state=0,
    learning_rate=0.01,
)


@pytest.fixture(scope="module")
def split():
    X, y = make_classification(200, 6, n_informative=4, random_state=0)
    return X[:150], y[:150], X[150:], y[150:]


def _quiet_fit(est, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return est.fit(*args, **kwargs)


@pytest.mark.parametrize("engine", ENGINES)
def test_early_stopping_restores_the_best_weights_on_the_given_rows(split, engine):
    X, y, X_val, y_val = split
    est = DropoutMLPClassifier(
        **FAST, early_stopping=True, n_iter_no_change=2, engine=engine
    )
    _quiet_fit(est, X, y, X_val=X_val, y_val=y_val)
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == est.n_iter_
    assert est.best_validation_score_ == max(est.validation_scores_)
    assert est.score(X_val, y_val) == pytest.approx(est.best_validation_score_)


@pytest.mark.parametrize("engine", ENGINES)
def test_scoring_without_early_stopping_does_not_change_the_fit(split, engine):
    """The rows are only scored: the same weights to the bit, the scores and
    losses those of the weights after every epoch."""
    X, y, X_val, y_val = split
    params = dict(**FAST, n_iter_no_change=np.inf, alpha=1e-3, engine=engine)
    w_val = np.random.RandomState(1).uniform(0.5, 2.0, len(y_val))
    plain = DropoutMLPClassifier(**params).fit(X, y)
    scored = DropoutMLPClassifier(**params).fit(
        X, y, X_val=X_val, y_val=y_val, sample_weight_val=w_val
    )
    for u, v in zip(plain.coefs_, scored.coefs_, strict=True):
        np.testing.assert_array_equal(u, v)
    assert plain.validation_scores_ is None and plain.validation_loss_curve_ is None
    assert len(scored.validation_scores_) == scored.n_iter_ == 8
    assert scored.best_validation_score_ is None  # no early stopping
    # The last epoch's: weighted accuracy, and log loss plus the L2 penalty.
    expected = accuracy_score(y_val, scored.predict(X_val), sample_weight=w_val)
    assert scored.validation_scores_[-1] == pytest.approx(expected, abs=1e-6)
    l2 = 1e-3 / (2 * 16) * sum(np.sum(k**2) for k in scored.coefs_)
    proba = scored.predict_proba(X_val)
    loss = log_loss(y_val, proba, sample_weight=w_val) + l2
    assert scored.validation_loss_curve_[-1] == pytest.approx(loss, rel=1e-4)


def test_given_rows_replace_the_split(split):
    """With X_val the training rows are all of X: the split would leave 135."""
    X, y, X_val, y_val = split
    kw = dict(**FAST, early_stopping=True, n_iter_no_change=np.inf, engine="graph")
    given = DropoutMLPClassifier(**kw).fit(X, y, X_val=X_val, y_val=y_val)
    split_off = DropoutMLPClassifier(**kw).fit(X, y)
    # The running loss is over the training rows' batches: 150 rows make 10
    # batches of 16 (the last of 6), 135 rows 9; the curves differ.
    assert given.validation_scores_ != split_off.validation_scores_
    assert given.score(X_val, y_val) == pytest.approx(given.best_validation_score_)


def test_regressor_scores_r2_on_the_given_rows():
    X, y = make_regression(160, 5, noise=10.0, random_state=0)
    est = DropoutMLPRegressor(**FAST, n_iter_no_change=np.inf, engine="graph")
    est.fit(X[:120], y[:120], X_val=X[120:], y_val=y[120:])
    assert est.validation_scores_[-1] == pytest.approx(
        est.score(X[120:], y[120:]), abs=1e-5
    )


def test_partial_fit_scores_the_given_rows_each_call(split):
    X, y, X_val, y_val = split
    est = DropoutMLPClassifier(**FAST)
    for _ in range(3):
        est.partial_fit(X, y, classes=[0, 1], X_val=X_val, y_val=y_val)
    assert len(est.validation_scores_) == len(est.validation_loss_curve_) == 3
    assert est.validation_scores_[-1] == pytest.approx(est.score(X_val, y_val))


def test_sparse_validation_rows_score_as_their_dense_copy(split):
    X, y, X_val, y_val = split
    kw = dict(**FAST, n_iter_no_change=np.inf, engine="graph")
    dense = DropoutMLPClassifier(**kw).fit(X, y, X_val=X_val, y_val=y_val)
    sparse = DropoutMLPClassifier(**kw).fit(
        X, y, X_val=sp.csr_matrix(X_val), y_val=y_val
    )
    np.testing.assert_allclose(
        dense.validation_loss_curve_, sparse.validation_loss_curve_, rtol=1e-6
    )


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(X_val="X"), "X_val was given without y_val"),
        (dict(y_val="y"), "y_val was given without X_val"),
        (dict(sample_weight_val="w"), "sample_weight_val was given without"),
        (dict(X_val="X3", y_val="y"), "X_val has 3 features; X has 6"),
        (dict(X_val="X", y_val="y_new"), r"y_val has classes \[7\] not in"),
        (
            dict(X_val="X", y_val="y", sample_weight_val="zeros"),
            "sample_weight_val: Sample weights must",
        ),
    ],
)
def test_bad_validation_input_is_refused_before_training(split, kwargs, match):
    X, y, X_val, y_val = split
    values = {
        "X": X_val,
        "X3": X_val[:, :3],
        "y": y_val,
        "y_new": np.where(np.arange(len(y_val)) == 0, 7, y_val),
        "w": np.ones(len(y_val)),
        "zeros": np.zeros(len(y_val)),
    }
    est = DropoutMLPClassifier(**FAST)
    with pytest.raises(ValueError, match=match):
        est.fit(X, y, **{k: values[v] for k, v in kwargs.items()})
    assert not hasattr(est, "n_features_in_")


def test_poisson_validation_targets_must_be_non_negative():
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(80, 3)), rng.poisson(2.0, 80)
    est = DropoutMLPRegressor(**FAST, loss="poisson")
    with pytest.raises(ValueError, match="y_val >= 0"):
        est.fit(X, y, X_val=X[:10], y_val=-np.ones(10))


def test_metadata_routing_through_pipeline_and_grid_search(split):
    X, y, X_val, y_val = split
    with sklearn.config_context(enable_metadata_routing=True):
        est = DropoutMLPClassifier(**FAST, n_iter_no_change=np.inf, engine="graph")
        est.set_fit_request(X_val=True, y_val=True)
        pipe = Pipeline([("net", est)]).fit(X, y, X_val=X_val, y_val=y_val)
        assert len(pipe[-1].validation_scores_) == 8
        search = GridSearchCV(est, {"dropout": [0.1, 0.3]}, cv=2)
        search.fit(X, y, X_val=X_val, y_val=y_val)
        assert len(search.best_estimator_.validation_scores_) == 8
