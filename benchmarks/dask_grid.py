"""Scale-out: a dropout-rate GridSearchCV with n_jobs=1 against a Dask cluster.

Times one grid search (the article's ``hidden`` model, a ``StandardScaler`` +
``DropoutMLPClassifier`` pipeline, over a grid of hidden-layer dropout x
input dropout rates, stratified k-fold) twice in the same run: serially
(``n_jobs=1``, in this process) and through joblib on a
``distributed.LocalCluster`` of worker processes with one thread each
(``joblib.parallel_backend("dask")``).  Prints both wall times, their ratio
and the largest difference between the two searches' CV scores (0: an int
``random_state`` gives the same models in every process).

The data are Sonar (208 x 60) when ``../shared/data/sonar.csv`` (or
``$DROPOUTMLP_SONAR``) is there, else ``make_classification`` data of the
same shape.  Starting the cluster (and importing TensorFlow in its workers)
is timed separately and not counted in the Dask search time.

Run (default: 5 x 5 grid x 5 folds = 125 fits of 300 epochs each)::

    pip install "dropoutmlp[dask]"
    python benchmarks/dask_grid.py
    python benchmarks/dask_grid.py --epochs 100 --workers 2
    python benchmarks/dask_grid.py --grid 3 --folds 3 --epochs 30   # quick
"""

from __future__ import annotations

import argparse
import os
import time

from _common import Timer, load_sonar, print_table, quiet_tensorflow

MAX_RATE = 0.5  # the dropout paper's rate for hidden units


def worker_env(threads: int) -> dict[str, str]:
    """Environment of each worker process: TensorFlow limited to ``threads``."""
    n = str(threads)
    return {
        "TF_CPP_MIN_LOG_LEVEL": "2",
        "OMP_NUM_THREADS": n,
        "TF_NUM_INTRAOP_THREADS": n,
        "TF_NUM_INTEROP_THREADS": n,
    }


def _import_dropoutmlp() -> int:
    import dropoutmlp  # noqa: F401  (imports TensorFlow in the worker)

    return os.getpid()


def _cpu_seconds() -> float:
    """CPU time (user + system, every thread) of the calling process."""
    return time.process_time()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--grid", type=int, default=5, help=f"rates per axis, 0 to {MAX_RATE}"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=300, help="article: 300")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument(
        "--worker-threads", type=int, default=1, help="TensorFlow threads per worker"
    )
    parser.add_argument(
        "--synthetic", action="store_true", help="208 x 60 synthetic data, not Sonar"
    )
    parser.add_argument("--seed", type=int, default=7, help="CV and model seed")
    args = parser.parse_args(argv)
    if args.grid < 1:
        parser.error("--grid must be at least 1")

    quiet_tensorflow()
    import logging

    import distributed
    import joblib
    import numpy as np
    from _common import describe_machine
    from sklearn.datasets import make_classification
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from dropoutmlp import article_model

    data = None if args.synthetic else load_sonar(required=False)
    if data is None:
        X, y = make_classification(
            n_samples=208, n_features=60, n_informative=20, random_state=args.seed
        )
        source = "make_classification 208 x 60"
    else:
        X, y = data
        source = "Sonar 208 x 60"
    rates = [round(float(r), 3) for r in np.linspace(0.0, MAX_RATE, args.grid)]
    grid = {
        "dropoutmlpclassifier__dropout": rates,
        "dropoutmlpclassifier__input_dropout": rates,
    }
    n_fits = len(rates) ** 2 * args.folds

    def search(n_jobs):
        return GridSearchCV(
            article_model("hidden", epochs=args.epochs, random_state=args.seed),
            grid,
            cv=StratifiedKFold(args.folds, shuffle=True, random_state=args.seed),
            n_jobs=n_jobs,
            refit=False,
        )

    # No "worker still alive, killing" notes when the cluster shuts down.
    logging.getLogger("distributed").setLevel(logging.ERROR)
    print(describe_machine())
    print(
        f"{source}; article 'hidden' model, {args.epochs} epochs; grid dropout x "
        f"input_dropout {rates} x {len(rates)}; {args.folds} folds: {n_fits} fits"
    )

    cpu_start = _cpu_seconds()
    with Timer() as serial_time:
        serial = search(n_jobs=1).fit(X, y)
    serial_cpu = _cpu_seconds() - cpu_start
    print(f"  n_jobs=1: {serial_time.seconds:.1f} s", flush=True)

    with Timer() as start_time:
        cluster = distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=worker_env(args.worker_threads),
        )
        client = distributed.Client(cluster)
        client.run(_import_dropoutmlp)
    print(f"  cluster start: {start_time.seconds:.1f} s", flush=True)
    try:
        workers_before = client.run(_cpu_seconds)
        cpu_start = _cpu_seconds()
        with Timer() as dask_time, joblib.parallel_backend("dask"):
            on_dask = search(n_jobs=-1).fit(X, y)
        client_cpu = _cpu_seconds() - cpu_start  # incl. the in-process scheduler
        workers_after = client.run(_cpu_seconds)
        worker_cpu = sum(workers_after[w] - workers_before[w] for w in workers_after)
    finally:
        client.close()
        cluster.close()
    print(f"  dask: {dask_time.seconds:.1f} s", flush=True)

    diff = np.max(
        np.abs(
            on_dask.cv_results_["mean_test_score"]
            - serial.cv_results_["mean_test_score"]
        )
    )
    label = f"dask, {args.workers} workers x {args.worker_threads} thread(s)"
    print_table(
        ["run", "wall (s)", "fits/s", "speed-up", "CPU (s)", "CPU / wall"],
        [
            [
                "n_jobs=1",
                f"{serial_time.seconds:.1f}",
                f"{n_fits / serial_time.seconds:.2f}",
                "1.00",
                f"{serial_cpu:.1f}",
                f"{serial_cpu / serial_time.seconds:.2f}",
            ],
            [
                label,
                f"{dask_time.seconds:.1f}",
                f"{n_fits / dask_time.seconds:.2f}",
                f"{serial_time.seconds / dask_time.seconds:.2f}",
                f"{worker_cpu:.1f} + {client_cpu:.1f}",
                f"{(worker_cpu + client_cpu) / dask_time.seconds:.2f}",
            ],
        ],
        title=f"Wall time of the grid search ({n_fits} fits)",
    )
    print(
        "CPU: all threads of the process(es); dask = workers + client process "
        "(which runs the scheduler). CPU / wall is the number of cores kept busy."
    )
    print(f"cluster start (not counted): {start_time.seconds:.1f} s")
    print(f"max |mean_test_score difference|: {diff:.2e}")
    best = int(np.argmax(serial.cv_results_["mean_test_score"]))
    print(
        f"best: {serial.cv_results_['params'][best]} "
        f"{100 * serial.cv_results_['mean_test_score'][best]:.2f}%"
    )


if __name__ == "__main__":
    main()
