"""Issue benchmark: memory over many fits and over many architectures.

Two runs, each in this process, with the resident set size (psutil) read
after every fit:

* **many fits**: 500 fits of one architecture (the article's ``hidden``
  network on Sonar-sized data, 200 epochs each: dropout, max-norm, SGD), on
  the compiled (XLA) program; the growth per fit is the slope over the last
  half.
* **many architectures**: 60 networks of different widths (``(k, k // 2)``),
  each fitted twice on 188 rows, with 20 epochs (graph programs; even
  widths) and with 200 (compiled programs; odd widths, so that neither run
  meets a shape the other has seen), in two passes over the same 60: the
  program cache keeps 16, so every architecture of the first pass past the
  16th evicts a program, and every one of the second pass is built again.
  Bounded means the second pass, which only rebuilds what the first built,
  leaves memory where the first left it.  An evicted program is garbage in
  reference cycles (TensorFlow's graphs) until Python's cyclic collector
  runs, so the RSS read after each architecture swings with the collector;
  at the end of each pass the script also reads it after ``gc.collect()``
  ("live"), and the growth per architecture is that of the live RSS over
  the second pass.

Run (about 7 minutes on 2 cores)::

    python benchmarks/memory.py
    python benchmarks/memory.py --fits 100 --architectures 20
"""

from __future__ import annotations

import argparse
import gc

from _common import describe_machine, print_table, quiet_tensorflow

MB = 2**20


def _slope(values) -> float:
    """Least-squares growth per step of the last half of ``values``."""
    import numpy as np

    half = np.asarray(values[len(values) // 2 :], float)
    return float(np.polyfit(np.arange(len(half)), half, 1)[0]) if len(half) > 1 else 0.0


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fits", type=int, default=500)
    parser.add_argument("--architectures", type=int, default=60)
    args = parser.parse_args(argv)
    quiet_tensorflow()
    import numpy as np
    import psutil

    from dropoutmlp import DropoutMLPClassifier

    print(describe_machine())
    proc = psutil.Process()
    rng = np.random.RandomState(0)
    X = rng.randn(188, 60).astype(np.float32)
    y = (X[:, :5].sum(axis=1) > 0).astype(int)

    def rss() -> float:
        return proc.memory_info().rss / MB

    net = dict(
        hidden_layer_sizes=(60, 30),
        dropout=0.2,
        max_norm=3.0,
        optimizer="sgd",
        learning_rate=0.1,
        momentum=0.9,
        batch_size=16,
        n_iter_no_change=np.inf,
    )
    many_fits, engines = [], set()
    for i in range(args.fits):
        est = DropoutMLPClassifier(**net, epochs=200, random_state=i).fit(X, y)
        engines.add(est.engine_)
        many_fits.append(rss())
    per_fit = _slope(many_fits) * MB / 1024
    gc.collect()
    fits_live = rss()

    many_archs = {}
    for epochs in (20, 200):
        curve, live = [], []
        for _ in range(2):
            for k in range(args.architectures):
                width = 8 + 2 * k + (epochs > 20)  # each run its own new widths
                for seed in range(2):
                    est = DropoutMLPClassifier(
                        **{**net, "hidden_layer_sizes": (width, width // 2)},
                        epochs=epochs,
                        random_state=seed,
                    ).fit(X, y)
                curve.append(rss())
            gc.collect()
            live.append(rss())
        many_archs[epochs] = (est.engine_, curve, live)
    rows = [
        [
            f"{args.fits} fits, one architecture ({sorted(engines)[0]})",
            f"{many_fits[0]:.1f}",
            "-",
            f"{fits_live:.1f}",
            f"{max(many_fits):.1f}",
            f"{per_fit:+.1f} kB per fit (slope, last half)",
        ]
    ]
    for engine, curve, live in many_archs.values():
        rows.append(
            [
                f"{args.architectures} architectures x 2 passes ({engine})",
                f"{curve[0]:.1f}",
                f"{live[0]:.1f}",
                f"{live[1]:.1f}",
                f"{max(curve):.1f}",
                f"{(live[1] - live[0]) / args.architectures:+.3f} MB per architecture",
            ]
        )
    print_table(
        [
            "run",
            "RSS after first MB",
            "live after pass 1 MB",
            "RSS (live) at end MB",
            "peak MB",
            "growth",
        ],
        rows,
        title="Resident memory",
    )
    print("Target (issue 'Engine 2'): flat over fits, bounded over architectures.")


if __name__ == "__main__":
    main()
