"""Default parameters: ``DropoutMLPClassifier()`` against ``MLPClassifier()``.

Measures the 5-fold stratified cross-validation accuracy (shuffled, fixed seed)
of both estimators with their default parameters (only ``random_state``
fixed), each after a ``StandardScaler`` in a pipeline, on scikit-learn's
breast_cancer, wine and digits data sets, with the fit time of each; prints
mean ± std, the accuracy difference and the fit-time ratio.  ``--params``
overrides parameters of the dropout estimator, to compare candidate defaults.

Run (full size: about a minute per candidate on 2 cores)::

    python benchmarks/defaults.py
    python benchmarks/defaults.py --params dropout=0.1 epochs=300
    python benchmarks/defaults.py --params --params dropout=0.1 --params max_norm=None
    python benchmarks/defaults.py --datasets wine --folds 3 --params epochs=20
"""

from __future__ import annotations

import argparse
import time

from _common import mean_std, parse_params, print_table, quiet_tensorflow

DATASETS = ("breast_cancer", "wine", "digits")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="CV and model seed")
    parser.add_argument(
        "--params",
        nargs="*",
        action="append",
        metavar="KEY=VALUE",
        help="DropoutMLPClassifier overrides, e.g. dropout=0.1 "
        "hidden_layer_sizes='(256,)' max_norm=None; repeat --params to compare "
        "several candidates in one run (MLPClassifier is fitted once)",
    )
    args = parser.parse_args(argv)
    candidates = [parse_params(items) for items in (args.params or [[]])]

    quiet_tensorflow()
    from _common import describe_machine
    from sklearn import datasets
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import DropoutMLPClassifier

    estimators = {
        f"#{i + 1}": DropoutMLPClassifier(random_state=args.seed, **params)
        for i, params in enumerate(candidates)
    }
    print(describe_machine())
    print(f"{args.folds}-fold StratifiedKFold(shuffle=True, random_state={args.seed})")
    print(f"MLP: MLPClassifier(random_state={args.seed})")
    for label, clf in estimators.items():
        print(f"{label}: {clf!r}")

    def run(clf, X, y):
        cv = StratifiedKFold(args.folds, shuffle=True, random_state=args.seed)
        start = time.perf_counter()
        res = cross_validate(make_pipeline(StandardScaler(), clf), X, y, cv=cv)
        return res["test_score"], time.perf_counter() - start

    rows = []
    matches = dict.fromkeys(estimators, True)
    for name in args.datasets:
        X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
        m_scores, m_time = run(MLPClassifier(random_state=args.seed), X, y)
        print(f"  {name:14s} MLP  {mean_std(m_scores)} {m_time:7.1f} s", flush=True)
        for label, clf in estimators.items():
            d_scores, d_time = run(clf, X, y)
            print(
                f"  {name:14s} {label:4s} {mean_std(d_scores)} {d_time:7.1f} s",
                flush=True,
            )
            # Rounded: equal fold scores can differ in the last bit of the mean.
            diff = round(float(d_scores.mean() - m_scores.mean()), 10) + 0.0
            matches[label] &= diff >= 0
            rows.append(
                [
                    f"{name} {X.shape}",
                    label,
                    mean_std(d_scores),
                    mean_std(m_scores),
                    f"{100 * diff:+.2f}",
                    f"{d_time:.1f}",
                    f"{m_time:.1f}",
                    f"{d_time / m_time:.2f}",
                ]
            )
    print_table(
        [
            "data set",
            "cand.",
            "dropoutmlp acc",
            "MLPClassifier acc",
            "diff (pts)",
            "dropoutmlp s",
            "MLP s",
            "time ratio d/M",
        ],
        rows,
        title=f"{args.folds}-fold CV accuracy, mean (std); time = whole CV run",
    )
    print()
    for (label, ok), params in zip(matches.items(), candidates, strict=True):
        verdict = "matches or beats" if ok else "does NOT match"
        print(
            f"{label} {params or '(defaults)'}: {verdict} MLPClassifier on every "
            "data set (mean accuracy)"
        )


if __name__ == "__main__":
    main()
