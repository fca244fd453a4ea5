"""DropoutMLPRegressor: fit quality, targets, MC-dropout std, reproducibility."""

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import get_tags
from sklearn.utils._param_validation import InvalidParameterError

from dropoutmlp import DropoutMLPRegressor

# Small, fast settings shared by most tests.
FAST = {"hidden_layer_sizes": (32, 32), "epochs": 60, "learning_rate": 0.01}


def wave(n=300, seed=0):
    """y = sin(3x) + noise on x in [-1, 1]."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 1))
    y = np.sin(3 * X[:, 0]) + 0.1 * rng.normal(size=n)
    return X, y


@pytest.fixture(scope="module")
def data():
    return wave()


@pytest.fixture(scope="module")
def fitted(data):
    """The default network: one layer of 100 ReLU units, dropout 0.2, 200 epochs."""
    X, y = data
    return DropoutMLPRegressor(random_state=0).fit(X, y)


def test_is_a_regressor_with_multi_output_tags():
    reg = DropoutMLPRegressor()
    assert is_regressor(reg)
    assert not is_classifier(reg)
    tags = get_tags(reg)
    assert tags.estimator_type == "regressor"
    assert tags.target_tags.required
    assert tags.target_tags.single_output and tags.target_tags.multi_output
    assert tags.input_tags.sparse
    assert "class_weight" not in reg.get_params()


def test_learns_a_nonlinear_function(data):
    X, y = data
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = DropoutMLPRegressor(**FAST, random_state=0).fit(X_train, y_train)
    y_pred = reg.predict(X_test)
    assert y_pred.shape == y_test.shape and y_pred.dtype == np.float64
    assert reg.score(X_test, y_test) > 0.9
    assert reg.n_outputs_ == 1
    assert reg.engine_ == "graph"
    assert reg.n_iter_ == len(reg.loss_curve_) <= FAST["epochs"]
    # The loss is the squared error (on the standardised targets): it falls.
    assert reg.loss_curve_[-1] < 0.5 * reg.loss_curve_[0]


def test_multi_output_targets_on_different_scales(data):
    X, _ = data
    Y = np.column_stack([np.sin(3 * X[:, 0]), 50 * np.cos(2 * X[:, 0]), X[:, 0] + 7])
    reg = DropoutMLPRegressor(**FAST, random_state=0).fit(X, Y)
    pred = reg.predict(X)
    assert pred.shape == Y.shape
    assert reg.n_outputs_ == 3
    assert r2_score(Y, pred, multioutput="raw_values").min() > 0.9
    mean, std = reg.predict(X[:5], return_std=True)
    assert mean.shape == std.shape == (5, 3)
    # A column vector y is a one-output multi-output target: 2-D predictions.
    column = DropoutMLPRegressor(**FAST, random_state=0).fit(X, Y[:, :1])
    assert column.predict(X[:4]).shape == (4, 1)
    assert [a.shape for a in column.predict(X[:4], return_std=True)] == [(4, 1)] * 2


def test_standardize_target_moments(data):
    X, y = data
    y = 1000 * y + 5000
    on = DropoutMLPRegressor(**FAST, random_state=0).fit(X, y)
    np.testing.assert_allclose(on.target_mean_, [y.mean()])
    np.testing.assert_allclose(on.target_scale_, [y.std()])
    assert on.score(X, y) > 0.9
    off = DropoutMLPRegressor(**FAST, standardize_target=False, random_state=0)
    off.fit(X, y)
    np.testing.assert_array_equal(off.target_mean_, [0.0])
    np.testing.assert_array_equal(off.target_scale_, [1.0])
    # Without standardisation the same settings are far from fitting raw targets.
    assert off.score(X, y) < on.score(X, y)


def test_standardize_target_respects_sample_weight(data):
    X, y = data
    weights = np.ones_like(y)
    weights[:100] = 0.0
    weights[100:150] = 3.0
    reg = DropoutMLPRegressor(**FAST, random_state=0).fit(X, y, sample_weight=weights)
    repeated = np.concatenate([y[100:], y[100:150], y[100:150]])
    np.testing.assert_allclose(reg.target_mean_, [repeated.mean()])
    np.testing.assert_allclose(reg.target_scale_, [repeated.std()])


def test_standardization_is_affine_equivariant(data):
    """a*y + b gives a*pred + b and a*std: the network sees the same targets."""
    X, y = data
    a, b = 250.0, -40.0  # a > 0: a < 0 would flip the standardised targets
    ref = DropoutMLPRegressor(**FAST, random_state=0).fit(X, y)
    scaled = DropoutMLPRegressor(**FAST, random_state=0).fit(X, a * y + b)
    X_new = np.linspace(-2, 2, 9)[:, None]
    np.testing.assert_allclose(
        scaled.predict(X_new), a * ref.predict(X_new) + b, rtol=1e-3, atol=1e-2
    )
    mean_ref, std_ref = ref.predict(X_new, return_std=True)
    mean, std = scaled.predict(X_new, return_std=True)
    np.testing.assert_allclose(mean, a * mean_ref + b, rtol=1e-3, atol=1e-2)
    np.testing.assert_allclose(std, a * std_ref, rtol=1e-3, atol=1e-3)


def test_standardize_target_off_on_standardized_targets_agree(data):
    X, y = data
    y = (y - y.mean()) / y.std()
    on = DropoutMLPRegressor(**FAST, random_state=0).fit(X, y)
    off = DropoutMLPRegressor(**FAST, standardize_target=False, random_state=0)
    off.fit(X, y)
    np.testing.assert_allclose(on.predict(X), off.predict(X), atol=1e-4)


def test_constant_target_is_only_centred(data):
    X, _ = data
    reg = DropoutMLPRegressor(**FAST, random_state=0).fit(X, np.full(len(X), 3.5))
    assert reg.target_scale_[0] == 1.0
    np.testing.assert_allclose(reg.predict(X[:5]), 3.5, atol=0.05)


def test_return_std_shapes_and_positive_with_dropout(fitted, data):
    X, _ = data
    X_new = np.linspace(-3, 3, 31)[:, None]
    y_pred = fitted.predict(X_new)
    mean, std = fitted.predict(X_new, return_std=True)
    assert mean.shape == std.shape == y_pred.shape == (31,)
    assert mean.dtype == std.dtype == np.float64
    assert np.all(std > 0)
    # The MC mean is close to, but not the same as, the dropout-off output.
    assert not np.array_equal(mean, y_pred)
    np.testing.assert_allclose(mean, y_pred, atol=5 * std.max())
    # Uncertainty grows away from the training data (x in [-1, 1]).
    inside = np.abs(X_new[:, 0]) <= 1
    far = np.abs(X_new[:, 0]) >= 2.5
    assert std[far].mean() > 3 * std[inside].mean()


def test_return_std_is_zero_without_dropout(data):
    X, y = data
    reg = DropoutMLPRegressor(**FAST, dropout=0.0, random_state=0).fit(X, y)
    mean, std = reg.predict(X[:20], return_std=True)
    np.testing.assert_array_equal(std, 0.0)
    np.testing.assert_array_equal(mean, reg.predict(X[:20]))


def test_input_dropout_alone_gives_uncertainty(data):
    X, y = wave(n=200)
    X = np.hstack([X, X**2])
    reg = DropoutMLPRegressor(
        **FAST, input_dropout=0.2, dropout=0.0, random_state=0
    ).fit(X, y)
    _, std = reg.predict(X[:10], return_std=True)
    assert np.all(std > 0)


def test_mc_samples_and_mc_predict(fitted, data):
    X, _ = data
    mean, std = fitted.predict(X[:7], return_std=True)
    same = fitted.mc_predict(X[:7], n_samples=100, random_state=0)
    np.testing.assert_array_equal(mean, same[0])
    np.testing.assert_array_equal(std, same[1])
    other = fitted.mc_predict(X[:7], n_samples=100, random_state=1)
    assert not np.array_equal(std, other[1])
    few = clone(fitted).set_params(mc_samples=3)
    few.fit(*data)
    assert not np.array_equal(few.predict(X[:7], return_std=True)[1], std)
    with pytest.raises(ValueError, match="n_samples"):
        fitted.mc_predict(X[:7], n_samples=0)


def test_reproducible(data):
    X, y = data
    X_new = np.linspace(-3, 3, 13)[:, None]
    first = DropoutMLPRegressor(**FAST, random_state=3).fit(X, y)
    second = DropoutMLPRegressor(**FAST, random_state=3).fit(X, y)
    np.testing.assert_array_equal(first.predict(X_new), second.predict(X_new))
    for a, b in zip(
        first.predict(X_new, return_std=True),
        second.predict(X_new, return_std=True),
        strict=True,
    ):
        np.testing.assert_array_equal(a, b)
    # An int random_state gives the same MC draws on every call.
    np.testing.assert_array_equal(
        first.predict(X_new, return_std=True)[1],
        first.predict(X_new, return_std=True)[1],
    )
    other = DropoutMLPRegressor(**FAST, random_state=4).fit(X, y)
    assert not np.array_equal(first.predict(X_new), other.predict(X_new))


def test_random_state_none_draws_new_masks(data):
    X, y = data
    reg = DropoutMLPRegressor(**FAST).fit(X, y)
    first = reg.predict(X[:10], return_std=True)[1]
    second = reg.predict(X[:10], return_std=True)[1]
    assert not np.array_equal(first, second)


def test_early_stopping_scores_r2(data):
    X, y = data
    params = dict(
        FAST, epochs=500, early_stopping=True, n_iter_no_change=5, random_state=0
    )
    reg = DropoutMLPRegressor(**params).fit(X, y)
    scores = reg.validation_scores_
    assert len(scores) == reg.n_iter_ < 500
    assert all(s <= 1.0 for s in scores)
    assert reg.best_validation_score_ == max(scores) > 0.9
    # R^2 does not depend on the scale of y (an MSE would, 1e6-fold here):
    # the same fit on 1000 * y - 3 scores the same after every epoch.
    scaled = DropoutMLPRegressor(**params).fit(X, 1000 * y - 3)
    np.testing.assert_allclose(scaled.validation_scores_, scores, atol=1e-4)
    assert scaled.n_iter_ == reg.n_iter_


def test_pipeline_forwards_return_std(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), DropoutMLPRegressor(**FAST, random_state=0))
    pipe.fit(X, y)
    mean, std = pipe.predict(X[:6], return_std=True)
    assert mean.shape == std.shape == (6,)
    assert np.all(std > 0)


def test_not_fitted_and_invalid_params(data):
    X, y = data
    with pytest.raises(NotFittedError):
        DropoutMLPRegressor().predict(X, return_std=True)
    with pytest.raises(InvalidParameterError, match="mc_samples"):
        DropoutMLPRegressor(mc_samples=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="standardize_target"):
        DropoutMLPRegressor(standardize_target="yes").fit(X, y)
    with pytest.raises(ValueError):
        DropoutMLPRegressor(**FAST).fit(X, np.array(["a"] * len(X)))
