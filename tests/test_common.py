"""scikit-learn's own estimator checks on the default DropoutMLPClassifier."""

from sklearn.utils.estimator_checks import parametrize_with_checks

from dropoutmlp import DropoutMLPClassifier

EXPECTED_FAILED_CHECKS = {
    "check_estimator_tags_renamed": (
        "The check walks the MRO and flags scikeras 0.13's BaseWrapper, which "
        "defines the pre-1.6 `_more_tags` for old scikit-learn versions. "
        "DropoutMLPClassifier defines `__sklearn_tags__`, which is what "
        "scikit-learn >= 1.6 reads; the flagged method is never used."
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "Weighting a row is not the same as repeating it under stochastic "
        "mini-batch training with dropout: a repeated row lands in more batches "
        "and draws different dropout masks and shuffles. scikit-learn itself runs "
        "this check on MLPClassifier only with the deterministic full-batch "
        "'lbfgs' solver, which has no counterpart here."
    ),
}


@parametrize_with_checks(
    [DropoutMLPClassifier(random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
