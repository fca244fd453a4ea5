"""Issue benchmark: single-row predict latency and predict peak memory.

Against scikit-learn's ``MLPClassifier`` with the same architecture, measured
in this process:

* **latency**: ``predict_proba`` of one row, the median of 2,000 calls
  (after 100 warm-up calls), for the article's 60-30 network on Sonar-sized
  data;
* **peak memory**: ``predict_proba`` of 200,000 x 50 float64 rows through one
  hidden layer of 1,000 units, as the peak of Python's traced allocations
  (``tracemalloc``: both predict with NumPy) above what was allocated before
  the call.

Run (about a minute on 2 cores)::

    python benchmarks/latency.py
"""

from __future__ import annotations

import time
import tracemalloc

from _common import describe_machine, print_table, quiet_tensorflow


def _median_latency(fn, row, calls=2000) -> float:
    import numpy as np

    for _ in range(100):
        fn(row)
    times = []
    for _ in range(calls):
        start = time.perf_counter()
        fn(row)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _peak(fn, X) -> float:
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return (peak - base) / 2**20


def main() -> None:
    quiet_tensorflow()
    import warnings

    import numpy as np
    from sklearn.neural_network import MLPClassifier

    from dropoutmlp import DropoutMLPClassifier

    warnings.filterwarnings("ignore")  # MLPClassifier's short fits don't converge
    print(describe_machine())
    rng = np.random.RandomState(0)
    X = rng.randn(208, 60)
    y = (X[:, 0] > 0).astype(int)
    ours = DropoutMLPClassifier((60, 30), epochs=5, random_state=0).fit(X, y)
    mlp = MLPClassifier((60, 30), max_iter=5, random_state=0).fit(X, y)
    row = X[:1]
    latency = {
        "dropoutmlp": _median_latency(ours.predict_proba, row),
        "MLPClassifier": _median_latency(mlp.predict_proba, row),
    }

    big = rng.randn(200_000, 50)
    y_big = (big[:, 0] > 0).astype(int)
    few = slice(0, 2000)
    ours_big = DropoutMLPClassifier((1000,), epochs=1, random_state=0)
    ours_big.fit(big[few], y_big[few])
    mlp_big = MLPClassifier((1000,), max_iter=1, random_state=0)
    mlp_big.fit(big[few], y_big[few])
    peak = {
        "dropoutmlp": _peak(ours_big.predict_proba, big),
        "MLPClassifier": _peak(mlp_big.predict_proba, big),
    }
    rows = [
        [who, f"{latency[who] * 1e3:.3f}", f"{peak[who]:.0f}"]
        for who in ("dropoutmlp", "MLPClassifier")
    ]
    print_table(
        ["estimator", "1-row predict_proba ms (median)", "200k x 50 predict peak MB"],
        rows,
    )
    print(
        f"dropoutmlp / MLPClassifier: latency "
        f"{latency['dropoutmlp'] / latency['MLPClassifier']:.2f}x, peak memory "
        f"{peak['dropoutmlp'] / peak['MLPClassifier']:.2f}x"
    )
    print("Targets (issue 'Engine 2'): latency <= 2x, peak memory <= 1.2x.")


if __name__ == "__main__":
    main()
