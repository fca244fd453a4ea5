"""Which signal should the default stopping rule watch? Post hoc, over the suite.

The rule of ``MLPClassifier`` (and of our estimators without
``early_stopping``): after each epoch, if ``signal > best - tol`` then
``count += 1`` else ``count = 0``; ``best = min(best, signal)``; stop when
``count > n_iter_no_change``.  Under dropout the per-epoch training loss is
noisy, so the rule can fire too early.  Candidate signals:

* ``loss``: ``loss_curve_``, the running dropout-on training loss averaged
  over the epoch's mini-batches (as Keras reports it): today's rule;
* ``eval``: ``eval_loss_curve_``, the training rows' loss at the epoch's end
  with dropout off;
* ``ema``: an exponential moving average of ``loss_curve_`` (``--smoothing``);
* ``window``: the mean of ``loss_curve_`` over the last ``n_iter_no_change``
  epochs;
* ``eval_ema`` and ``eval_window``: the same two smoothings of
  ``eval_loss_curve_``;
* ``all``: no rule, every epoch (``--epochs``).

No refitting per rule: for each data set of ``suite.py`` and each CV fold
(``StratifiedKFold`` / ``KFold``, shuffled with ``--seed``), our default
estimator is trained one epoch per ``fit`` call (``warm_start=True,
epochs=1, n_iter_no_change=np.inf``: weights, optimizer state, shuffles and
dropout masks continue from call to call) for ``--epochs`` calls, on rows
standardised by a ``StandardScaler`` fitted once per fold, and the held-out
fold is scored after every call.  The rule is then applied to each signal's
curve, and the held-out score read at the epoch where it would stop.
``MLPClassifier`` / ``MLPRegressor`` defaults are cross-validated on the same
folds for reference.  One-epoch calls run on the graph engine; where a
200-epoch default fit has 2,000 optimizer steps or more (about 800 rows and
up) it runs as one XLA program instead, whose dropout masks come from another
generator, so there the trajectory here is another draw of the same training
rather than the default fit itself (elsewhere the ``loss`` stop is the default
fit's ``n_iter_``).

Per data set and on average: the held-out score (accuracy %, R²) and epochs at
each signal's stop, and how many data sets each signal leaves more than 1 point
of accuracy (0.02 of R²) below all epochs.

Run (the full run: about 20 minutes on 2 cores)::

    python benchmarks/stopping.py
    python benchmarks/stopping.py --datasets wine moons_80 engel --folds 2 \
        --epochs 40
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from _common import print_table, quiet_tensorflow
from suite import REGRESSION, add_suite_arguments, fmt_diff, print_skipped, select

SIGNALS = ("loss", "eval", "ema", "window", "eval_ema", "eval_window", "all")
# A signal's stop is a loss against all epochs past this gap, by task.
MAX_GAP = {"classification": 0.01, "regression": 0.02}


def stop_epoch(signal, n_iter_no_change, tol) -> int:
    """How many epochs run before the rule stops on ``signal`` (1-based)."""
    best, count = math.inf, 0
    for epoch, value in enumerate(signal, start=1):
        count = count + 1 if value > best - tol else 0
        best = min(best, value)
        if count > n_iter_no_change:
            return epoch
    return len(signal)


def ema(values, smoothing: float) -> np.ndarray:
    """Exponential moving average, started at the first value."""
    out = np.empty(len(values))
    acc = values[0]
    for i, value in enumerate(values):
        acc = smoothing * acc + (1 - smoothing) * value
        out[i] = acc
    return out


def window_mean(values, width: int) -> np.ndarray:
    """Mean of the last ``width`` values (fewer at the start)."""
    csum = np.concatenate([[0.0], np.cumsum(values)])
    ends = np.arange(1, len(values) + 1)
    starts = np.maximum(0, ends - width)
    return (csum[ends] - csum[starts]) / (ends - starts)


def stops(est, held_out, patience, tol, args) -> dict:
    """(held-out score, epochs) at each signal's stop, from a stepped fit."""
    loss = np.asarray(est.loss_curve_, dtype=float)
    clean = np.asarray(est.eval_loss_curve_, dtype=float)
    curves = {
        "loss": loss,
        "eval": clean,
        "ema": ema(loss, args.smoothing),
        "window": window_mean(loss, int(patience)),
        "eval_ema": ema(clean, args.smoothing),
        "eval_window": window_mean(clean, int(patience)),
    }
    result = {}
    for name, curve in curves.items():
        if len(curve) != len(held_out):
            raise RuntimeError(
                f"{name} has {len(curve)} epochs, expected {len(held_out)}"
            )
        stop = stop_epoch(curve, patience, tol)
        result[name] = (held_out[stop - 1], stop)
    result["all"] = (held_out[-1], len(held_out))
    return result


def article(patience, tol, args) -> None:
    """The article's three models on Sonar, stepped 300 epochs, 10 folds."""
    from _common import load_sonar
    from sklearn.model_selection import StratifiedKFold

    from dropoutmlp import ARTICLE_MODELS, ARTICLE_RESULTS, article_model

    X, y = load_sonar(required=True)
    cv = StratifiedKFold(10, shuffle=True, random_state=7)
    rows = []
    for name in ARTICLE_MODELS:
        pairs = {s: [] for s in SIGNALS}
        for train, test in cv.split(X, y):
            scaler, est = article_model(name).steps
            scaler = scaler[1].fit(X[train])
            est = est[1].set_params(warm_start=True, n_iter_no_change=np.inf)
            epochs = est.epochs
            est.set_params(epochs=1)
            x_train, x_test = scaler.transform(X[train]), scaler.transform(X[test])
            held_out = np.empty(epochs)
            for epoch in range(epochs):
                held_out[epoch] = est.fit(x_train, y[train]).score(x_test, y[test])
            for s, pair in stops(est, held_out, patience, tol, args).items():
                pairs[s].append(pair)
        cells = []
        for s in SIGNALS:
            scores, epochs = np.array(pairs[s]).T
            cells.append(f"{100 * scores.mean():.2f} @{np.median(epochs):.0f}")
        rows.append([name, f"{ARTICLE_RESULTS[name][0]:.2f}", *cells])
        print(f"  {name}: " + "  ".join(cells), flush=True)
    print_table(
        ["model", "article %", *SIGNALS],
        rows,
        title="The article's models on Sonar (10-fold, seed 7), stepped one epoch "
        "per fit: CV accuracy % at each signal's stop @ median epochs",
    )


def fmt(task: str, score: float) -> str:
    return f"{score:.3f}" if task == REGRESSION else f"{100 * score:.2f}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_suite_arguments(parser)
    parser.add_argument("--epochs", type=int, default=200, help="fit calls per fold")
    parser.add_argument(
        "--smoothing", type=float, default=0.9, help="of the ema signals"
    )
    parser.add_argument(
        "--article",
        action="store_true",
        help="only the article's three models on Sonar (its 300 epochs, SGD)",
    )
    args = parser.parse_args(argv)
    datasets, skipped = select(args.datasets)

    quiet_tensorflow()
    from _common import describe_machine
    from sklearn.model_selection import cross_validate
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

    seed = args.seed
    ours = {"classification": DropoutMLPClassifier, "regression": DropoutMLPRegressor}
    mlps = {"classification": MLPClassifier, "regression": MLPRegressor}
    # The rule's settings: our estimators' defaults.
    defaults = DropoutMLPClassifier().get_params()
    patience, tol = defaults["n_iter_no_change"], defaults["tol"]
    stepping = {"warm_start": True, "epochs": 1, "n_iter_no_change": np.inf}

    print(describe_machine())
    print(
        f"{args.folds}-fold StratifiedKFold / KFold (shuffle=True, random_state="
        f"{seed}); {args.epochs} epochs, one fit call each, of"
    )
    for task in ours:
        print(f"  {ours[task](random_state=seed, **stepping)!r}")
    print(
        f"rule: n_iter_no_change={patience}, tol={tol}; ema smoothing "
        f"{args.smoothing}, window {patience} epochs; reference "
        f"MLPClassifier(random_state={seed}) / MLPRegressor(random_state={seed})"
    )
    print_skipped(skipped)
    print(flush=True)
    if args.article:
        article(patience, tol, args)
        return

    results = []
    for dataset in datasets:
        X, y = dataset.load()
        task = dataset.task
        cv = dataset.folds(args.folds, seed)
        at_stop = {s: [] for s in SIGNALS}  # (score, epochs) per fold
        for train, test in cv.split(X, y):
            scaler = StandardScaler().fit(X[train])
            x_train, x_test = scaler.transform(X[train]), scaler.transform(X[test])
            est = ours[task](random_state=seed, **stepping)
            held_out = np.empty(args.epochs)
            for epoch in range(args.epochs):
                est.fit(x_train, y[train])
                held_out[epoch] = est.score(x_test, y[test])
            for name, pair in stops(est, held_out, patience, tol, args).items():
                at_stop[name].append(pair)
        mlp = cross_validate(
            make_pipeline(StandardScaler(), mlps[task](random_state=seed)),
            X,
            y,
            cv=cv,
        )
        result = {
            "dataset": dataset.name,
            "task": task,
            "mlp": float(np.mean(mlp["test_score"])),
        }
        for name, pairs in at_stop.items():
            scores, epochs = np.array(pairs).T
            result[name] = (float(scores.mean()), float(epochs.mean()))
        results.append(result)
        cells = " ".join(
            f"{s} {fmt(task, result[s][0])}@{result[s][1]:.0f}" for s in SIGNALS
        )
        print(
            f"  {dataset.name:24s} MLP {fmt(task, result['mlp'])}  {cells}",
            flush=True,
        )

    for task in ("classification", "regression"):
        mine = [r for r in results if r["task"] == task]
        if not mine:
            continue
        gap = MAX_GAP[task]
        score = "accuracy %" if task == "classification" else "R²"
        rows = []
        for r in mine:
            full = r["all"][0]
            cells = []
            for s in SIGNALS:
                value, epochs = r[s]
                flag = " *" if s != "all" and value < full - gap else "  "
                cells.append(f"{fmt(task, value)} @{epochs:5.1f}{flag}")
            rows.append([r["dataset"], fmt(task, r["mlp"]), *cells])
        print_table(
            ["data set", "MLP", *SIGNALS],
            rows,
            title=f"{task}: held-out {score} at each signal's stop @ mean epochs "
            f"run; * = more than {fmt(task, gap)} below all epochs",
        )
        summary = []
        for s in SIGNALS:
            values = np.array([r[s][0] for r in mine])
            fulls = np.array([r["all"][0] for r in mine])
            mlp = np.array([r["mlp"] for r in mine])
            worst = int(np.argmin(values - fulls))
            below = int(np.sum(values < fulls - gap))
            summary.append(
                [
                    s,
                    fmt(task, values.mean()),
                    fmt_diff(task, (values - fulls).mean()),
                    f"{fmt_diff(task, (values - fulls)[worst])} "
                    f"({mine[worst]['dataset']})"
                    if s != "all"
                    else "",
                    fmt_diff(task, (values - mlp).mean()),
                    f"{np.mean([r[s][1] for r in mine]):.1f}",
                    f"{below} / {len(mine)}" if s != "all" else "",
                ]
            )
        print_table(
            [
                "signal",
                f"mean {score}",
                "vs all epochs",
                "worst vs all",
                "vs MLP",
                "mean epochs",
                f"> {fmt(task, gap)} below all",
            ],
            summary,
            title=f"{task}, over {len(mine)} data sets (MLP's mean: "
            f"{fmt(task, np.mean([r['mlp'] for r in mine]))})",
        )


if __name__ == "__main__":
    main()
