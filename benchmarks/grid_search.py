"""Issue benchmark: a dropout-rate grid search against MLPClassifier's alpha grid.

``GridSearchCV`` over a 5 x 5 grid of ``input_dropout`` x ``dropout`` (0, 0.1,
0.2, 0.3, 0.4 each) on the article's ``hidden`` model (60-30 ReLU, max-norm 3,
SGD learning rate 0.1, momentum 0.9, 300 epochs, batch 16, after a
``StandardScaler``), 10-fold ``StratifiedKFold(shuffle=True, random_state=7)``
on Sonar: 250 fits plus the refit.  Its peer is scikit-learn's
``MLPClassifier`` (the same 60-30 net, SGD, batch 16, every epoch run)
grid-searched over 25 ``alpha`` values on the same folds.  Both run with
``n_jobs=1`` and ``n_jobs=2`` (joblib's process workers), each in a fresh
Python process so that no run inherits another's compiled programs.

Prints each run's wall time (for dropoutmlp, the compilation is included: it
happens in each worker), the best candidate and its score, and the ratios.
A run repeats dropoutmlp's ``n_jobs=2`` search with
``TF_NUM_INTRAOP_THREADS=1`` in the environment (one TensorFlow thread per
process, what ``docs/scaling.rst`` suggests for process-parallel searches on
small networks).  The last two repeat it with the documented opt-ins,
``dropoutmlp.configure_processes(cache_dir=..., worker_threads=1)`` (what
the command line's ``grid`` does): first with an empty compile cache
(cold), then in another fresh process with the cache the first filled
(warm).

Run (full size: about 8 minutes on 2 cores)::

    python benchmarks/grid_search.py
    python benchmarks/grid_search.py --folds 3 --epochs 20
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys

from _common import describe_machine, print_table, quiet_tensorflow

RATES = [0.0, 0.1, 0.2, 0.3, 0.4]
ALPHAS = [float(a) for a in __import__("numpy").logspace(-6, 0, 25)]

_RUN = r"""
import json, sys, time
sys.path.insert(0, {here!r})
from _common import load_sonar, quiet_tensorflow
quiet_tensorflow()
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from dropoutmlp import article_model, configure_processes

if {cache!r}:
    configure_processes(cache_dir={cache!r}, worker_threads=1)
who, n_jobs, folds, epochs = {who!r}, {n_jobs}, {folds}, {epochs}
X, y = load_sonar()
cv = StratifiedKFold(folds, shuffle=True, random_state=7)
if who == "dropoutmlp":
    est = article_model("hidden", epochs=epochs)
    grid = {{"dropoutmlpclassifier__input_dropout": {rates},
             "dropoutmlpclassifier__dropout": {rates}}}
else:
    est = make_pipeline(StandardScaler(), MLPClassifier(
        (60, 30), solver="sgd", learning_rate_init=0.1, momentum=0.9,
        nesterovs_momentum=False, batch_size=16, max_iter=epochs, tol=0.0,
        n_iter_no_change=epochs + 1, random_state=7))
    grid = {{"mlpclassifier__alpha": {alphas}}}
search = GridSearchCV(est, grid, cv=cv, n_jobs=n_jobs)
start = time.perf_counter()
search.fit(X, y)
seconds = time.perf_counter() - start
print(json.dumps({{"seconds": seconds, "best": search.best_params_,
                   "score": search.best_score_,
                   "fits": len(search.cv_results_["params"]) * folds + 1}}))
"""


def run(who: str, n_jobs: int, folds: int, epochs: int, env=None, cache="") -> dict:
    import os
    from pathlib import Path

    code = _RUN.format(
        here=str(Path(__file__).resolve().parent),
        who=who,
        n_jobs=n_jobs,
        folds=folds,
        epochs=epochs,
        rates=RATES,
        alphas=ALPHAS,
        cache=cache,
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument(
        "--only-threads", action="store_true", help="only the one-thread run"
    )
    parser.add_argument(
        "--skip-mlp", action="store_true", help="skip MLPClassifier's runs"
    )
    args = parser.parse_args(argv)
    quiet_tensorflow()
    print(describe_machine())
    results = {}
    for n_jobs in () if args.only_threads else (1, 2):
        for who in (
            ("dropoutmlp",) if args.skip_mlp else ("dropoutmlp", "MLPClassifier")
        ):
            results[who, n_jobs] = r = run(who, n_jobs, args.folds, args.epochs)
            print(f"  {who:13s} n_jobs={n_jobs}: {r['seconds']:.1f} s", flush=True)
    one_thread = {"TF_NUM_INTRAOP_THREADS": "1"}
    results["dropoutmlp 1 thread", 2] = r = run(
        "dropoutmlp", 2, args.folds, args.epochs, env=one_thread
    )
    print(f"  dropoutmlp n_jobs=2, 1 thread: {r['seconds']:.1f} s", flush=True)
    import tempfile

    with tempfile.TemporaryDirectory() as cache:
        for state in ("cold", "warm"):
            who = f"dropoutmlp opt-ins {state}"
            results[who, 2] = r = run(
                "dropoutmlp", 2, args.folds, args.epochs, cache=cache
            )
            print(f"  {who} n_jobs=2: {r['seconds']:.1f} s", flush=True)
    rows = []
    for (who, n_jobs), r in results.items():
        best = ", ".join(f"{k.split('__')[1]}={v:.3g}" for k, v in r["best"].items())
        rows.append(
            [
                f"{who} n_jobs={n_jobs}",
                r["fits"],
                f"{r['seconds']:.1f}",
                f"{r['seconds'] / r['fits'] * 1000:.0f}",
                best,
                f"{100 * r['score']:.2f}%",
            ]
        )
    print_table(
        ["run", "fits", "wall s", "ms per fit", "best", "best CV accuracy"],
        rows,
        title=f"GridSearchCV, {args.folds} folds, {args.epochs} epochs, Sonar",
    )
    for who, n_jobs in results:
        if who != "MLPClassifier" and ("MLPClassifier", n_jobs) in results:
            ratio = (
                results["MLPClassifier", n_jobs]["seconds"]
                / results[who, n_jobs]["seconds"]
            )
            print(
                f"n_jobs={n_jobs}: MLPClassifier's alpha grid / {who}'s dropout "
                f"grid = {ratio:.1f}x"
            )
    print(
        "Targets: >= 3x at n_jobs=2 (issue 'Engine 2'); >= 4x with the opt-ins "
        "(issue 21)."
    )


if __name__ == "__main__":
    main()
