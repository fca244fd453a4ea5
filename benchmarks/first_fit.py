"""Issue benchmark: first-fit latency of a new problem, in a fresh process.

Each problem is fitted twice in a fresh Python process (TensorFlow imported
beforehand and not timed): the first fit pays the program's tracing or
compilation, the second is the steady cost.  Problems: a small one (200 x 20
rows, the default network, 20 epochs: a graph program), the article's
``hidden`` fit on Sonar-sized data (188 x 60, 300 epochs: compiled) and a
default fit on 2,000 x 20 rows (200 epochs: compiled).  ``MLPClassifier``
with the same architecture and epochs is the peer.

Run (about a minute on 2 cores)::

    python benchmarks/first_fit.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from _common import describe_machine, print_table, quiet_tensorflow

PROBLEMS = {
    "small (200 x 20, default net, 20 epochs)": (200, 20, {"epochs": 20}),
    "article hidden (188 x 60, 300 epochs)": (
        188,
        60,
        {
            "hidden_layer_sizes": (60, 30),
            "dropout": 0.2,
            "max_norm": 3.0,
            "optimizer": "sgd",
            "learning_rate": 0.1,
            "momentum": 0.9,
            "batch_size": 16,
            "epochs": 300,
        },
    ),
    "default (2,000 x 20, 200 epochs)": (2000, 20, {"epochs": 200}),
}

_RUN = r"""
import json, sys, time, warnings
sys.path.insert(0, {here!r})
from _common import quiet_tensorflow
quiet_tensorflow()
warnings.filterwarnings("ignore")
import numpy as np
from sklearn.neural_network import MLPClassifier
from dropoutmlp import DropoutMLPClassifier
rows, features, params = {rows}, {features}, {params!r}
rng = np.random.RandomState(0)
X = rng.randn(rows, features)
y = (X[:, :3].sum(axis=1) > 0).astype(int)
times = []
for _ in range(2):
    start = time.perf_counter()
    est = DropoutMLPClassifier(**params, n_iter_no_change=np.inf, random_state=0)
    est.fit(X, y)
    times.append(time.perf_counter() - start)
mlp = MLPClassifier(params.get("hidden_layer_sizes", (100,)), max_iter=params["epochs"],
                    batch_size=min(params.get("batch_size", 64), rows), tol=0.0,
                    n_iter_no_change=params["epochs"] + 1, random_state=0)
start = time.perf_counter()
mlp.fit(X, y)
print(json.dumps({{"first": times[0], "second": times[1], "engine": est.engine_,
                   "mlp": time.perf_counter() - start}}))
"""


def main() -> None:
    quiet_tensorflow()
    print(describe_machine())
    rows = []
    for name, (n, f, params) in PROBLEMS.items():
        code = _RUN.format(
            here=str(Path(__file__).resolve().parent), rows=n, features=f, params=params
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        r = json.loads(out.stdout.strip().splitlines()[-1])
        rows.append(
            [
                name,
                r["engine"],
                f"{r['first']:.2f}",
                f"{r['second']:.2f}",
                f"{r['first'] - r['second']:.2f}",
                f"{r['mlp']:.2f}",
            ]
        )
        print(f"  {name}: {r}", flush=True)
    print_table(
        ["problem", "engine", "1st fit s", "2nd fit s", "compile s", "MLPClassifier s"],
        rows,
        title="First-fit latency in a fresh process (TensorFlow already imported)",
    )


if __name__ == "__main__":
    main()
