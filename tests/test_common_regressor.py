"""scikit-learn's own estimator checks on the default DropoutMLPRegressor."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from dropoutmlp import DropoutMLPRegressor

EXPECTED_FAILED_CHECKS = {
    "check_estimator_tags_renamed": (
        "The check walks the MRO and flags scikeras 0.13's BaseWrapper, which "
        "defines the pre-1.6 `_more_tags` for old scikit-learn versions. "
        "DropoutMLPRegressor defines `__sklearn_tags__`, which is what "
        "scikit-learn >= 1.6 reads; the flagged method is never used."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "Weighting a row is not the same as repeating it under stochastic "
        "mini-batch training with dropout: a repeated row lands in more batches "
        "and draws different dropout masks and shuffles. scikit-learn itself runs "
        "this check on MLPRegressor only with the deterministic full-batch "
        "'lbfgs' solver, which has no counterpart here."
    ),
}


# The default estimator (200 epochs): the whole suite runs in well under a minute.
@parametrize_with_checks(
    [DropoutMLPRegressor(random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
