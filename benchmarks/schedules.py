"""What the learning-rate schedules and a validation set of your own change.

On each data set (default: sonar, breast_cancer, classification_1000,
diabetes, friedman1_500; any of ``suite.py``), a ``k``-fold cross-validation
(shuffled with ``--seed``) of ``StandardScaler`` then the estimator, with
our defaults but for:

* ``learning_rate_schedule``: ``"constant"`` (the reference), ``"invscaling"``,
  ``"adaptive"`` and ``"cosine"``;
* early stopping on the ``validation_fraction`` split (``"es split"``) and on
  a validation set of the user's own (``"es X_val"``): a fifth of each
  training fold, drawn at random (from ``--seed``), held out by hand and
  passed as ``X_val``/``y_val`` (scaled by the scaler fitted on the rest).

Per data set and setting: mean test score (accuracy, R²), its difference to
the constant-rate fit (points of accuracy, units of R²), mean epochs run
(``n_iter_``), and mean fit time per fold.  The ``--optimizer`` and
``--learning-rate`` options apply to every fit (default: our defaults, Adam
at 0.001; the article's SGD is ``--optimizer sgd --learning-rate 0.1``)::

    python benchmarks/schedules.py
    python benchmarks/schedules.py --optimizer sgd --learning-rate 0.1
    python benchmarks/schedules.py --datasets wine diabetes --folds 3
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import describe_machine, print_table, quiet_tensorflow
from suite import add_suite_arguments, fmt_diff, print_skipped, select

DEFAULT_DATASETS = [
    "sonar",
    "breast_cancer",
    "classification_1000",
    "diabetes",
    "friedman1_500",
]
SETTINGS = {
    "constant": {},
    "invscaling": {"learning_rate_schedule": "invscaling"},
    "adaptive": {"learning_rate_schedule": "adaptive"},
    "cosine": {"learning_rate_schedule": "cosine"},
    "es split": {"early_stopping": True},
    "es X_val": {"early_stopping": True},
}


def run_fold(dataset, X, y, train, test, params: dict, own_validation: bool):
    """(test score, epochs run, fit seconds) of one fold."""
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

    Estimator = DropoutMLPClassifier if dataset.classification else DropoutMLPRegressor
    fit_rows, val_rows = train, None
    if own_validation:  # a fifth of the fold, at random
        shuffled = np.random.RandomState(params["random_state"]).permutation(train)
        cut = len(train) - len(train) // 5
        fit_rows, val_rows = shuffled[:cut], shuffled[cut:]
    scaler = StandardScaler().fit(X[fit_rows])
    est = Estimator(**params)
    extra = {}
    if val_rows is not None:
        extra = dict(X_val=scaler.transform(X[val_rows]), y_val=y[val_rows])
    began = time.perf_counter()
    est.fit(scaler.transform(X[fit_rows]), y[fit_rows], **extra)
    seconds = time.perf_counter() - began
    return est.score(scaler.transform(X[test]), y[test]), est.n_iter_, seconds


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_suite_arguments(parser)
    parser.add_argument("--optimizer", default=None)
    parser.add_argument("--learning-rate", type=float, default=None)
    args = parser.parse_args(argv)
    quiet_tensorflow()
    available, skipped = select(args.datasets or DEFAULT_DATASETS)
    print(describe_machine())
    print_skipped(skipped)
    base = {"random_state": args.seed}
    if args.optimizer:
        base["optimizer"] = args.optimizer
    if args.learning_rate:
        base["learning_rate"] = args.learning_rate
    rows = []
    for dataset in available:
        X, y = dataset.load()
        folds = list(dataset.folds(args.folds, args.seed).split(X, y))
        results = {}
        for name, setting in SETTINGS.items():
            params = {**base, **setting}
            own = name == "es X_val"
            per_fold = [
                run_fold(dataset, X, y, train, test, params, own)
                for train, test in folds
            ]
            results[name] = np.asarray(per_fold, dtype=float).mean(axis=0)
        reference = results["constant"][0]
        for name, (score, epochs, seconds) in results.items():
            diff = (
                "" if name == "constant" else fmt_diff(dataset.task, score - reference)
            )
            rows.append(
                [
                    dataset.name,
                    name,
                    f"{score:.4f}",
                    diff,
                    f"{epochs:.0f}",
                    f"{seconds:.2f}",
                ]
            )
        print(f"{dataset.name}: done", flush=True)
    print_table(
        ["data set", "setting", "score", "vs constant", "epochs", "fit s"],
        rows,
        title=(
            f"{args.folds}-fold CV, seed {args.seed}; differences in points of "
            "accuracy or units of R²"
        ),
    )


if __name__ == "__main__":
    main()
