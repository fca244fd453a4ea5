"""The seed cross-validation in fresh processes: cold and warm compile cache.

The dropout article's ``hidden`` model (``article_model("hidden")``: 300
epochs, batch 16, SGD 0.1 with momentum 0.9), 10-fold
``StratifiedKFold(shuffle=True, random_state=7)`` on Sonar through
``cross_validate``, each run in a fresh Python process (as a script, a
notebook restart or a command-line run starts), timing ``cross_validate``
only (Python's and TensorFlow's imports left out):

* ``MLPClassifier``: the same 60-30 net and SGD, every epoch run (the peer);
* ``no cache``: dropoutmlp as the library runs by itself (it compiles its
  program in the process);
* ``cold``: after ``dropoutmlp.configure_processes(cache_dir=DIR)`` with an
  empty ``DIR``: it compiles and writes the program there;
* ``warm``: the same in another fresh process, which reads it back.

Prints each run's time and the ratios ``MLPClassifier / run`` against the
targets of issue 21 (warm >= 3.5x, cold >= 2.3x)::

    python benchmarks/cold_warm.py
    python benchmarks/cold_warm.py --folds 3 --epochs 50
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import describe_machine, print_table, quiet_tensorflow

TARGETS = {"warm": 3.5, "cold": 2.3}

_RUN = r"""
import json, sys, time
sys.path.insert(0, {here!r})
from _common import load_sonar, quiet_tensorflow
quiet_tensorflow()
import dropoutmlp
if {cache!r}:
    dropoutmlp.configure_processes(cache_dir={cache!r})
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
X, y = load_sonar()
if {who!r} == "MLPClassifier":
    est = make_pipeline(StandardScaler(), MLPClassifier(
        (60, 30), solver="sgd", learning_rate_init=0.1, momentum=0.9,
        nesterovs_momentum=False, batch_size=16, max_iter={epochs}, tol=0.0,
        n_iter_no_change={epochs} + 1, alpha=0.0, random_state=7))
else:
    est = dropoutmlp.article_model("hidden", epochs={epochs})
cv = StratifiedKFold({folds}, shuffle=True, random_state=7)
start = time.perf_counter()
scores = cross_validate(est, X, y, cv=cv)["test_score"]
print(json.dumps({{"seconds": time.perf_counter() - start,
                   "accuracy": float(scores.mean())}}))
"""


def run(who: str, folds: int, epochs: int, cache: str = "") -> dict:
    """One run in a fresh process, without inherited compile-cache settings."""
    code = _RUN.format(
        here=str(Path(__file__).resolve().parent),
        who=who,
        folds=folds,
        epochs=epochs,
        cache=cache,
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_XLA_FLAGS"}
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=300)
    args = parser.parse_args(argv)
    quiet_tensorflow()
    print(describe_machine())
    results = {"MLPClassifier": run("MLPClassifier", args.folds, args.epochs)}
    results["no cache"] = run("dropoutmlp", args.folds, args.epochs)
    with tempfile.TemporaryDirectory() as cache:
        for state in ("cold", "warm"):
            results[state] = run("dropoutmlp", args.folds, args.epochs, cache)
    reference = results["MLPClassifier"]["seconds"]
    rows = [
        [
            name,
            f"{r['seconds']:.2f}",
            f"{reference / r['seconds']:.2f}x",
            f"{100 * r['accuracy']:.2f}%",
            f">= {TARGETS[name]}x" if name in TARGETS else "",
        ]
        for name, r in results.items()
    ]
    print_table(
        ["run", "CV s", "MLPClassifier / run", "accuracy", "target"],
        rows,
        title=(
            f"hidden model, {args.folds}-fold CV, {args.epochs} epochs, Sonar, "
            "each in a fresh process"
        ),
    )


if __name__ == "__main__":
    main()
