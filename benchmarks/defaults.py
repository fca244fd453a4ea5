"""Default parameters: ``DropoutMLP*()`` against ``MLP*()`` over the data-set suite.

For every data set of ``suite.py`` (classification and regression), a
``k``-fold cross-validation (``StratifiedKFold`` for classification, ``KFold``
for regression, both shuffled with ``--seed``) of each estimator after a
``StandardScaler`` in a pipeline, scored by the estimator's ``score``
(accuracy, R²), of:

* ``#1`` (``#2``...): ``DropoutMLPClassifier(random_state=seed)`` /
  ``DropoutMLPRegressor(random_state=seed)``, our defaults, with the
  ``--params`` overrides of each candidate;
* ``#1 all``: the same with ``n_iter_no_change=np.inf`` (every epoch runs);
* ``MLP``: ``MLPClassifier(random_state=seed)`` / ``MLPRegressor(...)``.

Per data set: mean score (std), mean epochs run (``n_iter_``), mean fit time
per fold, and the difference to MLP (points of accuracy, units of R²); then
the targets, each printed met or NOT met: no data set more than 1 point of
accuracy (0.02 of R²) below MLP and at least equal on average (per task), and
a mean fit time of our defaults over the suite no more than MLP's.

A second part (``--article``, on by default when the Sonar file is present)
runs the article's three models as a Keras user types them (``epochs=300``,
nothing about stopping: our default stopping rule) against the same with every
one of the 300 epochs, 10-fold ``StratifiedKFold(shuffle=True,
random_state=7)``, next to the article's figures.

Fit times are ``cross_validate``'s: the first estimator fitted on a data set
(``#1``) pays the tracing or compilation of the program for its shapes in its
first fold, which the others then share; "folds 2+" leaves that fold out.

Run (the full run, the whole suite and the article part: about 5 minutes per
candidate and 1 for the article on 2 cores; ``--csv`` keeps one row per data
set and estimator, to compare runs)::

    python benchmarks/defaults.py
    python benchmarks/defaults.py --params dropout=0.1 --params epochs=300
    python benchmarks/defaults.py --csv defaults.csv
    python benchmarks/defaults.py --datasets wine moons_80 engel --folds 3 \
        --params epochs=20 --no-article
"""

from __future__ import annotations

import argparse
import csv
import time

import numpy as np
from _common import mean_std, parse_params, print_table, quiet_tensorflow
from suite import REGRESSION, add_suite_arguments, fmt_diff, print_skipped, select

# The targets: the largest gap below MLP on any data set, by task.
MAX_GAP = {"classification": 0.01, "regression": 0.02}
UNIT = {"classification": "pts", "regression": "R²"}
ARTICLE_FOLDS, ARTICLE_SEED = 10, 7
ARTICLE_WITHIN, ALL_EPOCHS_WITHIN = 3.0, 1.5  # points of accuracy


def fmt_scores(task: str, scores) -> str:
    if task == REGRESSION:
        scores = np.asarray(scores, dtype=float)
        return f"{scores.mean():.3f} ({scores.std():.3f})"
    return mean_std(scores)


def verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_suite_arguments(parser)
    parser.add_argument(
        "--params",
        nargs="*",
        action="append",
        metavar="KEY=VALUE",
        help="overrides of our defaults, e.g. dropout=0.1 "
        "hidden_layer_sizes='(256,)' max_norm=None; repeat --params to compare "
        "several candidates in one run (MLP is fitted once)",
    )
    parser.add_argument(
        "--article",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the article's models on Sonar, default stopping against all 300 "
        "epochs (default: on when the Sonar file is present)",
    )
    parser.add_argument(
        "--article-seeds",
        type=int,
        default=5,
        metavar="N",
        help="with the article part, also N other seeds (model and CV shuffle) "
        "of the stopped-vs-all-300 comparison, to tell a systematic gap from "
        "fold noise (0: none)",
    )
    parser.add_argument("--csv", metavar="PATH", help="write one row per result")
    args = parser.parse_args(argv)
    candidates = [parse_params(items) for items in (args.params or [[]])]
    datasets, skipped = select(args.datasets)

    quiet_tensorflow()
    from _common import describe_machine, load_sonar
    from sklearn.model_selection import cross_validate
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

    seed = args.seed
    # label -> {task: estimator}; MLP last, the reference.
    estimators = {}
    for i, params in enumerate(candidates):
        for suffix, extra in (("", {}), (" all", {"n_iter_no_change": np.inf})):
            estimators[f"#{i + 1}{suffix}"] = {
                "classification": DropoutMLPClassifier(
                    random_state=seed, **params, **extra
                ),
                "regression": DropoutMLPRegressor(random_state=seed, **params, **extra),
            }
    estimators["MLP"] = {
        "classification": MLPClassifier(random_state=seed),
        "regression": MLPRegressor(random_state=seed),
    }
    ours = [label for label in estimators if label != "MLP"]
    defaults = [label for label in ours if not label.endswith(" all")]

    print(describe_machine())
    print(
        f"{args.folds}-fold StratifiedKFold / KFold (shuffle=True, random_state="
        f"{seed}), StandardScaler pipeline; score: accuracy / R²"
    )
    for label, pair in estimators.items():
        print(f"{label:7s}: {pair['classification']!r}")
        print(f"{'':7s}  {pair['regression']!r}")
    print_skipped(skipped)
    print(flush=True)

    results = []  # dicts, one per (data set, estimator)
    started = time.perf_counter()
    for dataset in datasets:
        X, y = dataset.load()
        task = dataset.task
        cv = dataset.folds(args.folds, seed)
        for label, pair in estimators.items():
            res = cross_validate(
                make_pipeline(StandardScaler(), pair[task]),
                X,
                y,
                cv=cv,
                return_estimator=True,
            )
            scores = res["test_score"]  # NaN for a fold whose fit failed
            epochs = [getattr(p[-1], "n_iter_", np.nan) for p in res["estimator"]]
            result = {
                "dataset": dataset.name,
                "task": task,
                "n_rows": dataset.n_rows,
                "n_features": dataset.n_features,
                "label": label,
                "scores": scores,
                "score": float(np.mean(scores)),
                "epochs": float(np.mean(epochs)),
                "fit_time": float(np.mean(res["fit_time"])),
                # Without the first fold, which pays the program's tracing or
                # compilation when this estimator is the first of its shape.
                "later_fit_time": float(np.mean(res["fit_time"][1:])),
                "score_time": float(np.mean(res["score_time"])),
            }
            results.append(result)
            print(
                f"  {dataset.name:24s} {label:7s} {fmt_scores(task, scores):>16s} "
                f"{result['epochs']:6.1f} epochs {result['fit_time']:7.2f} s/fit",
                flush=True,
            )
    suite_seconds = time.perf_counter() - started

    # Differences to MLP on the same folds.
    mlp = {r["dataset"]: r for r in results if r["label"] == "MLP"}
    for r in results:
        # Rounded: equal fold scores can differ in the last bit of the mean.
        r["diff"] = round(r["score"] - mlp[r["dataset"]]["score"], 10) + 0.0

    for task in ("classification", "regression"):
        rows = []
        for r in results:
            if r["task"] != task:
                continue
            first = r["label"] == next(iter(estimators))
            shape = f"{r['dataset']} ({r['n_rows']}x{r['n_features']})"
            rows.append(
                [
                    shape if first else "",
                    r["label"],
                    fmt_scores(task, r["scores"]),
                    f"{r['epochs']:.1f}",
                    f"{r['fit_time']:.2f}",
                    f"{r['later_fit_time']:.2f}",
                    "" if r["label"] == "MLP" else fmt_diff(task, r["diff"]),
                ]
            )
        if rows:
            score = "accuracy" if task == "classification" else "R²"
            print_table(
                [
                    "data set",
                    "estimator",
                    f"{score}, mean (std)",
                    "epochs",
                    "fit s/fold",
                    "folds 2+",
                    f"vs MLP ({UNIT[task]})",
                ],
                rows,
                title=f"{task}: {args.folds}-fold CV {score}; epochs = mean n_iter_; "
                "folds 2+ = mean fit s without the first fold (the first estimator "
                "of a data set pays the program's build there)",
            )

    # Summary per estimator: worst and mean gap by task, fit time.
    mlp_time = np.mean([r["fit_time"] for r in mlp.values()])
    summary, gaps, times = [], {}, {}
    for label in ours:
        row = [label]
        for task in ("classification", "regression"):
            mine = [r for r in results if r["label"] == label and r["task"] == task]
            if not mine:
                row += ["-", "-"]
                continue
            diffs = np.array([r["diff"] for r in mine])
            failed = ~np.isfinite(diffs)
            worst = mine[int(np.argmin(np.where(failed, -np.inf, diffs)))]
            mean = float(np.mean(diffs))
            gaps[label, task] = (worst, mean, float(np.median(diffs)), failed.sum())
            row += [
                f"{fmt_diff(task, worst['diff'])} ({worst['dataset']})",
                fmt_diff(task, mean),
            ]
        times[label] = np.mean([r["fit_time"] for r in results if r["label"] == label])
        row += [f"{times[label]:.2f}", f"{times[label] / mlp_time:.2f}"]
        summary.append(row)
    if summary:
        summary.append(["MLP", "", "", "", "", f"{mlp_time:.2f}", "1.00"])
        print_table(
            [
                "estimator",
                "cls worst vs MLP (pts)",
                "cls mean",
                "reg worst vs MLP (R²)",
                "reg mean",
                "fit s/fold",
                "time / MLP",
            ],
            summary,
            title=f"Summary over {len(datasets)} data sets ({suite_seconds:.0f} s); "
            "fit s/fold = mean over every data set and fold",
        )

    print("\nTargets (our defaults; an 'all' row is for reference only):")
    for label in defaults:
        params = candidates[int(label[1:]) - 1]
        print(f"{label} {params or '(defaults)'}:")
        for task in ("classification", "regression"):
            if (label, task) not in gaps:
                continue
            worst, mean, median, n_failed = gaps[label, task]
            ok_worst = n_failed == 0 and worst["diff"] >= -MAX_GAP[task]
            limit = "1 point of accuracy" if task == "classification" else "0.02 of R²"
            failures = f" ({n_failed} data set(s) with a failed fit)" * bool(n_failed)
            print(
                f"  {task}: no data set more than {limit} below MLP: worst "
                f"{fmt_diff(task, worst['diff'])} {UNIT[task]} on {worst['dataset']}"
                f"{failures}: {verdict(ok_worst)}"
            )
            print(
                f"  {task}: at least equal to MLP on average: mean "
                f"{fmt_diff(task, mean)} {UNIT[task]} (median "
                f"{fmt_diff(task, median)}): "
                f"{verdict(bool(np.isfinite(mean) and mean >= 0))}"
            )
        ratio = times[label] / mlp_time
        print(
            f"  mean fit time over the suite no more than MLP's: {times[label]:.2f} s "
            f"against {mlp_time:.2f} s per fold, ratio {ratio:.2f}: "
            f"{verdict(ratio <= 1)}",
            flush=True,
        )

    if args.csv:
        write_csv(args.csv, results, candidates, args)
        print(f"\nwrote {args.csv}")

    run_article = args.article
    if run_article is None:
        run_article = load_sonar(required=False) is not None
        if not run_article:
            print("\nArticle part skipped: no Sonar file (see --article).")
    if run_article:
        article(load_sonar(required=True))
        if args.article_seeds:
            article_seeds(load_sonar(required=True), args.article_seeds)


def write_csv(path, results, candidates, args) -> None:
    fields = [
        "dataset",
        "task",
        "n_rows",
        "n_features",
        "label",
        "params",
        "folds",
        "seed",
        "score",
        "score_std",
        "diff_vs_mlp",
        "epochs",
        "fit_time",
        "later_fit_time",
        "score_time",
        "fold_scores",
    ]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(fields)
        for r in results:
            label = r["label"]
            if label == "MLP":
                params = "MLP defaults"
            else:
                params = dict(candidates[int(label.split()[0][1:]) - 1])
                if label.endswith(" all"):
                    params["n_iter_no_change"] = "inf"
                params = repr(params)
            writer.writerow(
                [
                    r["dataset"],
                    r["task"],
                    r["n_rows"],
                    r["n_features"],
                    label,
                    params,
                    args.folds,
                    args.seed,
                    f"{r['score']:.6f}",
                    f"{np.std(r['scores']):.6f}",
                    f"{r['diff']:.6f}",
                    f"{r['epochs']:.2f}",
                    f"{r['fit_time']:.4f}",
                    f"{r['later_fit_time']:.4f}",
                    f"{r['score_time']:.4f}",
                    " ".join(f"{s:.6f}" for s in r["scores"]),
                ]
            )


def article(sonar) -> None:
    """The article's models, our default stopping rule against all 300 epochs."""
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from dropoutmlp import (
        ARTICLE_MODELS,
        ARTICLE_RESULTS,
        DropoutMLPClassifier,
        article_model,
    )

    X, y = sonar
    # What a user gets without saying anything about stopping: the default.
    default_patience = DropoutMLPClassifier().get_params()["n_iter_no_change"]
    cv = StratifiedKFold(ARTICLE_FOLDS, shuffle=True, random_state=ARTICLE_SEED)
    print(
        f"\nThe article's models on Sonar {X.shape}: article_model(name) (epochs="
        f"300), with our default stopping rule (n_iter_no_change="
        f"{default_patience}) against all 300 epochs (n_iter_no_change=inf); "
        f"{ARTICLE_FOLDS}-fold StratifiedKFold(shuffle=True, random_state="
        f"{ARTICLE_SEED})",
        flush=True,
    )
    rows, checks = [], []
    for name in ARTICLE_MODELS:
        paper_mean, paper_std = ARTICLE_RESULTS[name]
        means = {}
        for variant in ("default stop", "all 300"):
            model = article_model(name)
            if variant == "default stop":
                model.set_params(
                    dropoutmlpclassifier__n_iter_no_change=default_patience
                )
            start = time.perf_counter()
            res = cross_validate(model, X, y, cv=cv, return_estimator=True)
            seconds = time.perf_counter() - start
            scores = 100 * res["test_score"]
            epochs = [p[-1].n_iter_ for p in res["estimator"]]
            means[variant] = scores.mean()
            print(
                f"  {name:8s} {variant:12s} {scores.mean():6.2f}% ({scores.std():.2f}%)"
                f" median {np.median(epochs):.0f} epochs, {seconds:.1f} s",
                flush=True,
            )
            rows.append(
                [
                    name,
                    variant,
                    f"{scores.mean():.2f}",
                    f"{scores.std():.2f}",
                    f"{np.median(epochs):.0f}",
                    f"{paper_mean:.2f} ({paper_std:.2f})",
                    f"{scores.mean() - paper_mean:+.2f}",
                    "",
                    f"{seconds:.1f}",
                ]
            )
        stop, full = means["default stop"], means["all 300"]
        rows[-2][7] = f"{stop - full:+.2f}"
        checks.append((name, stop - paper_mean, stop - full))
    print_table(
        [
            "model",
            "training",
            "CV mean %",
            "std",
            "median epochs",
            "article % (std)",
            "vs article",
            "vs all 300",
            "CV s",
        ],
        rows,
        title="Article models: 10-fold CV accuracy (%), points of difference",
    )
    print("\nTargets (default stopping rule):")
    for name, vs_paper, vs_full in checks:
        print(
            f"  {name}: within {ARTICLE_WITHIN} points of the article's mean: "
            f"{vs_paper:+.2f}: {verdict(abs(vs_paper) <= ARTICLE_WITHIN)}; within "
            f"{ALL_EPOCHS_WITHIN} points of all 300 epochs: {vs_full:+.2f}: "
            f"{verdict(abs(vs_full) <= ALL_EPOCHS_WITHIN)}",
            flush=True,
        )


def article_seeds(sonar, n_seeds: int) -> None:
    """The stopped-vs-all-300 gap of each article model over other seeds.

    Seeds 0..n-1 of the model (``random_state``) and of the 10-fold shuffle:
    the gap at the article's one seed is one draw of a noisy quantity (over
    300 epochs a last-digit difference can flip a Sonar prediction).
    """
    from sklearn.model_selection import StratifiedKFold, cross_validate

    from dropoutmlp import ARTICLE_MODELS, DropoutMLPClassifier, article_model

    X, y = sonar
    default_patience = DropoutMLPClassifier().get_params()["n_iter_no_change"]
    rows = []
    for name in ARTICLE_MODELS:
        gaps, epochs = [], []
        for seed in range(n_seeds):
            cv = StratifiedKFold(ARTICLE_FOLDS, shuffle=True, random_state=seed)
            means = {}
            for patience in (default_patience, np.inf):
                model = article_model(name, random_state=seed)
                model.set_params(dropoutmlpclassifier__n_iter_no_change=patience)
                res = cross_validate(model, X, y, cv=cv, return_estimator=True)
                means[patience] = 100 * res["test_score"].mean()
                if patience == default_patience:
                    epochs += [p[-1].n_iter_ for p in res["estimator"]]
            gaps.append(means[default_patience] - means[np.inf])
            gap = f"{gaps[-1]:+.2f}"
            print(f"  {name} seed {seed}: stopped - all 300 {gap}", flush=True)
        gaps = np.asarray(gaps)
        rows.append(
            [
                name,
                " ".join(f"{g:+.1f}" for g in gaps),
                f"{gaps.mean():+.2f}",
                f"{gaps.std(ddof=1) / np.sqrt(len(gaps)):.2f}",
                f"{np.median(epochs):.0f}",
            ]
        )
    print_table(
        ["model", "gap per seed (pts)", "mean gap", "SE", "median epochs"],
        rows,
        title=f"Stopped minus all 300 epochs, 10-fold CV accuracy, over seeds 0..."
        f"{n_seeds - 1} (model and CV shuffle)",
    )


if __name__ == "__main__":
    main()
