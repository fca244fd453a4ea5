"""Issue benchmark 2: a dropout-rate grid search, graphs traced and memory.

``GridSearchCV`` over a 5 x 5 grid of ``input_dropout`` x ``dropout`` (0, 0.1,
0.2, 0.3, 0.4 each) on the article's ``hidden`` model (60-30 ReLU, max-norm 3,
SGD learning rate 0.1, momentum 0.9, 300 epochs, batch 16, after a
``StandardScaler``), 10-fold ``StratifiedKFold(shuffle=True, random_state=7)``:
250 fits plus the refit, with ``n_jobs=1`` so that every fit runs in this
process.  Uses Sonar (``../shared/data/sonar.csv`` or ``$DROPOUTMLP_SONAR``)
and falls back, with a note, to a synthetic 208 x 60 binary problem.

Reports the wall time (and per fit), the number of graphs the engine traced
(the delta of ``dropoutmlp._engine.GRAPH_CACHE.traces()``: every fit of the
search shares one architecture, so a handful, not one per fit), and the
process' resident memory (psutil) after the first fit, along the search and at
the end.  The scorer records the memory after every fit.  Targets: a handful of
traces; RSS growth from after the first fit to the end < 50 MB.

Run (full size: 251 fits of 300 epochs, about 3 minutes on 2 cores)::

    python benchmarks/grid_search.py
    python benchmarks/grid_search.py --folds 3 --epochs 20 --rates 0 0.2
"""

from __future__ import annotations

import argparse
import time

from _common import load_sonar, mean_std, print_table, quiet_tensorflow

MB = 2**20


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument(
        "--rates",
        type=float,
        nargs="+",
        default=[0.0, 0.1, 0.2, 0.3, 0.4],
        help="values of both input_dropout and dropout",
    )
    parser.add_argument(
        "--model", default="hidden", choices=("baseline", "visible", "hidden")
    )
    args = parser.parse_args(argv)

    quiet_tensorflow()
    import numpy as np
    import psutil
    from _common import describe_machine
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from dropoutmlp import article_model
    from dropoutmlp._engine import GRAPH_CACHE

    data = load_sonar(required=False)
    if data is None:
        print(
            "NOTE: Sonar not found; using a synthetic 208 x 60 binary problem "
            "(make_classification), so the accuracies are not Sonar's."
        )
        X, y = make_classification(
            208, 60, n_informative=20, random_state=7, class_sep=0.8
        )
        source = "synthetic (208, 60)"
    else:
        X, y = data
        source = f"Sonar {X.shape}"

    proc = psutil.Process()
    rss_after_fit: list[float] = []
    fit_ends: list[float] = []

    def scorer(estimator, X_test, y_test):
        """Accuracy; also records the RSS and the time after every fit."""
        fit_ends.append(time.perf_counter())
        rss_after_fit.append(proc.memory_info().rss / MB)
        return float(np.mean(estimator.predict(X_test) == y_test))

    prefix = "dropoutmlpclassifier__"
    grid = {f"{prefix}input_dropout": args.rates, f"{prefix}dropout": args.rates}
    n_fits = len(args.rates) ** 2 * args.folds
    search = GridSearchCV(
        article_model(args.model, epochs=args.epochs),
        grid,
        cv=StratifiedKFold(args.folds, shuffle=True, random_state=7),
        scoring=scorer,
        n_jobs=1,
        refit=True,
    )
    print(describe_machine())
    print(
        f"{source}; article model {args.model!r}, {args.epochs} epochs; grid "
        f"{len(args.rates)} x {len(args.rates)} over input_dropout x dropout "
        f"{args.rates}; {args.folds} folds: {n_fits} fits + 1 refit, n_jobs=1"
    )

    rss_start = proc.memory_info().rss / MB
    traces_start = GRAPH_CACHE.traces()
    start = time.perf_counter()
    search.fit(X, y)
    wall = time.perf_counter() - start
    traces = GRAPH_CACHE.traces() - traces_start
    rss_end = proc.memory_info().rss / MB
    engines = {search.best_estimator_[-1].engine_}

    first = rss_after_fit[0]
    checkpoints = sorted({0, len(rss_after_fit) // 4, len(rss_after_fit) // 2})
    checkpoints.append(len(rss_after_fit) - 1)
    print_table(
        ["after fit #", "RSS MB", "growth since fit #1 MB"],
        [
            [i + 1, f"{rss_after_fit[i]:.1f}", f"{rss_after_fit[i] - first:+.1f}"]
            for i in checkpoints
        ]
        + [["end (after refit)", f"{rss_end:.1f}", f"{rss_end - first:+.1f}"]],
        title="Resident memory (RSS) along the search",
    )
    later = np.diff(fit_ends[1:]) if len(fit_ends) > 2 else np.array([np.nan])
    growth = rss_end - first
    half = len(rss_after_fit) // 2
    per_fit_kb = (
        (rss_after_fit[-1] - rss_after_fit[half])
        / max(1, len(rss_after_fit) - 1 - half)
    ) * 1024
    print_table(
        ["measure", "value", "target"],
        [
            ["wall time of the search", f"{wall:.1f} s", ""],
            ["fits (incl. refit)", n_fits + 1, ""],
            ["first fit + score", f"{fit_ends[0] - start:.2f} s", "(includes tracing)"],
            ["later fits + score (mean)", f"{np.mean(later):.3f} s", ""],
            ["graphs traced", traces, "a handful, not one per fit"],
            ["RSS before the search", f"{rss_start:.1f} MB", ""],
            ["RSS growth, fit #1 -> end", f"{growth:+.1f} MB", "< 50 MB"],
            ["RSS slope, 2nd half of the fits", f"{per_fit_kb:+.1f} kB/fit", ""],
            ["engine of the refit", ", ".join(sorted(engines)), "graph"],
        ],
        title="Grid search",
    )
    best = {k[len(prefix) :]: v for k, v in search.best_params_.items()}
    i = search.best_index_
    fold_scores = [
        search.cv_results_[f"split{k}_test_score"][i] for k in range(args.folds)
    ]
    print(f"\nbest: {best}, CV accuracy {mean_std(fold_scores)}")
    print(
        f"verdict: traces {'OK' if traces <= 5 else 'TOO MANY'} ({traces}); "
        f"RSS growth {'OK' if growth < 50 else 'TOO HIGH'} ({growth:+.1f} MB)"
    )


if __name__ == "__main__":
    main()
