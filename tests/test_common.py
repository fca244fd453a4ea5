"""scikit-learn's own estimator checks on the default estimators."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

EXPECTED_FAILED_CHECKS = {
    "check_sample_weight_equivalence_on_dense_data": (
        "Weighting a row is not the same as repeating it under stochastic "
        "mini-batch training with dropout: a repeated row lands in more batches, "
        "changes every epoch's shuffle and draws its own dropout masks, so the "
        "two fits follow different random paths. scikit-learn runs this check on "
        "its own MLPs only with special settings (MLPClassifier with the "
        "full-batch 'lbfgs' solver, MLPRegressor with a loose tol)."
    ),
}


@parametrize_with_checks(
    [DropoutMLPClassifier(random_state=0), DropoutMLPRegressor(random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
