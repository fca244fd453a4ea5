"""Issue benchmark 3: training throughput on a large synthetic problem.

Trains a (256, 128) ReLU network with dropout 0.2 after each hidden layer
(max-norm 3, Adam at 0.001, the estimator's default L2) on 100,000 x 100 rows
of ``make_classification``, batch 256, 20 epochs, three ways:

* ``dropoutmlp``: ``DropoutMLPClassifier`` on the engine it chooses (here
  the compiled XLA program);
* ``keras-fit``: the same estimator forced onto ``keras.Model.fit`` with
  ``engine="keras"`` (same model, seeds and data order);
* ``plain keras``: the same network (``dropoutmlp.build_mlp``) compiled with
  ``Adam`` and trained by a plain ``model.fit(X, y, shuffle=True)``, for
  reference.

Each runs ``--repeats`` times (in this order, interleaved); prints training
samples per second (rows x epochs / fit time) of the first run (which pays
the compilation) and the best of all runs, and the ratios against
dropoutmlp.  Target: dropoutmlp no slower than Keras' fit.

Run (full size, about 3 minutes on 2 cores)::

    python benchmarks/throughput.py
    python benchmarks/throughput.py --rows 10000 --epochs 2 --repeats 1
"""

from __future__ import annotations

import argparse
import time

from _common import print_table, quiet_tensorflow

RUNNERS = ("dropoutmlp", "keras-fit", "plain keras")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--hidden", type=int, nargs="+", default=[256, 128])
    parser.add_argument("--dropout", type=float, default=0.2)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--runners", nargs="+", default=RUNNERS, choices=RUNNERS)
    args = parser.parse_args(argv)

    quiet_tensorflow()
    import keras
    import numpy as np
    from _common import describe_machine
    from sklearn.datasets import make_classification

    from dropoutmlp import DropoutMLPClassifier, NetworkSpec, build_mlp

    X, y = make_classification(
        args.rows,
        args.features,
        n_informative=args.features // 2,
        random_state=0,
    )
    X = X.astype(np.float32)
    params = dict(
        hidden_layer_sizes=tuple(args.hidden),
        dropout=args.dropout,
        batch_size=args.batch_size,
        epochs=args.epochs,
        random_state=0,
    )
    print(describe_machine())
    print(
        f"make_classification {X.shape}, batch {args.batch_size}, {args.epochs} "
        f"epochs, hidden {tuple(args.hidden)}, dropout {args.dropout}, "
        f"max_norm 3, Adam 0.001; {args.repeats} repeat(s)"
    )

    def run_estimator(engine):
        clf = DropoutMLPClassifier(engine=engine, **params)
        start = time.perf_counter()
        clf.fit(X, y)
        seconds = time.perf_counter() - start
        return seconds, clf.score(X, y), clf.engine_

    def run_plain():
        defaults = DropoutMLPClassifier()
        spec = NetworkSpec(
            n_features=args.features,
            hidden_layer_sizes=tuple(args.hidden),
            n_outputs=1,
            output_kind="binary",
            dropout=(args.dropout,) * len(args.hidden),
            max_norm=(3.0,) * len(args.hidden),
            kernel_initializer=defaults.kernel_initializer,
        )
        model = build_mlp(spec, seed=0, l2=defaults.alpha / (2 * args.batch_size))
        model.compile(
            optimizer=keras.optimizers.Adam(defaults.learning_rate),
            loss="binary_crossentropy",
        )
        start = time.perf_counter()
        model.fit(
            X,
            y,
            batch_size=args.batch_size,
            epochs=args.epochs,
            shuffle=True,
            verbose=0,
        )
        seconds = time.perf_counter() - start
        acc = float(np.mean((model.predict(X, verbose=0)[:, 0] > 0.5) == y))
        return seconds, acc, "keras"

    run = {
        "dropoutmlp": lambda: run_estimator("auto"),
        "keras-fit": lambda: run_estimator("keras"),
        "plain keras": run_plain,
    }
    times = {r: [] for r in args.runners}
    accs = {}
    for repeat in range(args.repeats):
        for runner in args.runners:
            seconds, acc, engine = run[runner]()
            times[runner].append(seconds)
            accs[runner] = acc
            print(
                f"  repeat {repeat + 1} {runner:11s} {seconds:7.2f} s "
                f"(engine {engine}, train accuracy {acc:.4f})",
                flush=True,
            )

    samples = args.rows * args.epochs
    ref = "dropoutmlp" if "dropoutmlp" in times else args.runners[0]
    best_ref = min(times[ref])
    rows = []
    for runner in args.runners:
        first, best = times[runner][0], min(times[runner])
        rows.append(
            [
                runner,
                f"{first:.2f}",
                f"{best:.2f}",
                f"{samples / first:,.0f}",
                f"{samples / best:,.0f}",
                f"{best / best_ref:.2f}x",
                f"{accs[runner]:.4f}",
            ]
        )
    print_table(
        [
            "runner",
            "first s",
            "best s",
            "samples/s (first)",
            "samples/s (best)",
            f"time / {ref} (best)",
            "train acc",
        ],
        rows,
        title=f"Throughput: {args.rows:,} rows x {args.epochs} epochs = "
        f"{samples:,} training samples",
    )
    print(
        "\nTarget: dropoutmlp no slower than Keras fit "
        "(time ratios of the Keras runs >= 1)."
    )


if __name__ == "__main__":
    main()
