"""Issue benchmark 1: the dropout article's cross-validation on Sonar, timed.

For each of the article's three models (``baseline``, ``visible``,
``hidden``), runs the article's 10-fold stratified cross-validation
(``StratifiedKFold(10, shuffle=True, random_state=7)``, ``StandardScaler``
pipeline, 300 epochs, batch 16, labels through ``LabelEncoder``) with

* ``graph``: dropoutmlp on its compiled training engine;
* ``keras-fit``: the same estimator forced onto ``keras.Model.fit`` (by giving
  it a ``keras.callbacks.History()`` callback: same folds, seeds and data
  order), the accuracy-equivalence check of the engine;
* ``scikeras``: the article's own code, ``scikeras.wrappers.KerasClassifier``
  around a function that builds and compiles the article's Keras network;
* ``sklearn``: ``MLPClassifier`` with the same 60-30 ReLU net and plain SGD
  (same learning rate and momentum, batch 16, all epochs run, no L2).  It has
  no dropout or max-norm, so for ``visible`` and ``hidden`` it is the same
  net and optimizer without the regularisation.

Every run goes through ``cross_validate`` (what ``cross_val_score`` calls),
sequentially in this process.  Prints, per model and runner: total time, the
first fold (which pays graph tracing) and the mean of the other folds, mean
(std) accuracy, graphs traced by the engine, and the time ratios
scikeras/graph and sklearn/graph.

Run (full size: about 15 minutes on 2 cores, nearly all of it the
``keras-fit`` and ``scikeras`` runs, 2 to 3 minutes per model each)::

    python benchmarks/cv_speed.py
    python benchmarks/cv_speed.py --skip-scikeras --skip-keras-fit
    python benchmarks/cv_speed.py --models hidden --folds 3 --epochs 20
"""

from __future__ import annotations

import argparse
import time

from _common import load_sonar, mean_std, print_table, quiet_tensorflow

MODELS = ("baseline", "visible", "hidden")
RUNNERS = ("graph", "keras-fit", "scikeras", "sklearn")


def article_keras_model(name: str, n_features: int):
    """A ``create_fn`` building the article's Keras network for model ``name``."""
    import keras
    from keras.constraints import MaxNorm
    from keras.layers import Dense, Dropout
    from keras.optimizers import SGD

    from dropoutmlp import ARTICLE_MODELS

    p = ARTICLE_MODELS[name]

    def create_model():
        constraint = MaxNorm(p["max_norm"]) if p["max_norm"] else None
        model = keras.Sequential()
        model.add(keras.Input(shape=(n_features,)))
        if p["input_dropout"]:
            model.add(Dropout(p["input_dropout"]))
        model.add(
            Dense(
                60,
                kernel_initializer="normal",
                activation="relu",
                kernel_constraint=constraint,
            )
        )
        if p["dropout"]:
            model.add(Dropout(p["dropout"]))
        model.add(
            Dense(
                30,
                kernel_initializer="normal",
                activation="relu",
                kernel_constraint=constraint,
            )
        )
        if p["dropout"]:
            model.add(Dropout(p["dropout"]))
        model.add(Dense(1, kernel_initializer="normal", activation="sigmoid"))
        sgd = SGD(learning_rate=p["learning_rate"], momentum=p["momentum"])
        model.compile(loss="binary_crossentropy", optimizer=sgd, metrics=["accuracy"])
        return model

    return create_model


def make_estimator(runner: str, name: str, epochs: int, n_features: int):
    """The pipeline that ``runner`` cross-validates for article model ``name``."""
    import keras
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import ARTICLE_MODELS, article_model

    if runner == "graph":
        return article_model(name, epochs=epochs)
    if runner == "keras-fit":
        return article_model(name, epochs=epochs, callbacks=[keras.callbacks.History()])
    if runner == "scikeras":
        from scikeras.wrappers import KerasClassifier

        clf = KerasClassifier(
            model=article_keras_model(name, n_features),
            epochs=epochs,
            batch_size=16,
            verbose=0,
        )
    else:
        p = ARTICLE_MODELS[name]
        clf = MLPClassifier(
            hidden_layer_sizes=(60, 30),
            activation="relu",
            solver="sgd",
            learning_rate="constant",
            learning_rate_init=p["learning_rate"],
            momentum=p["momentum"],
            nesterovs_momentum=False,
            batch_size=16,
            max_iter=epochs,
            alpha=0.0,
            tol=0.0,
            n_iter_no_change=epochs + 1,  # never stop early: run every epoch
            shuffle=True,
            random_state=7,
        )
    return Pipeline([("standardize", StandardScaler()), ("mlp", clf)])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--folds", type=int, default=10)
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--skip-scikeras", action="store_true")
    parser.add_argument(
        "--skip-keras-fit", action="store_true", help="skip the Keras-fit path"
    )
    args = parser.parse_args(argv)

    quiet_tensorflow()
    from _common import describe_machine
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.preprocessing import LabelEncoder

    from dropoutmlp import ARTICLE_RESULTS
    from dropoutmlp._engine import GRAPH_CACHE

    X, labels = load_sonar()
    y = LabelEncoder().fit_transform(labels)
    kfold = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=7)
    runners = [
        r
        for r in RUNNERS
        if not (r == "scikeras" and args.skip_scikeras)
        and not (r == "keras-fit" and args.skip_keras_fit)
    ]
    print(describe_machine())
    print(
        f"Sonar {X.shape}, {args.folds}-fold StratifiedKFold(shuffle=True, "
        f"random_state=7), {args.epochs} epochs, batch 16; runners: {runners}"
    )

    summary = []
    for name in args.models:
        rows, times = [], {}
        for runner in runners:
            est = make_estimator(runner, name, args.epochs, X.shape[1])
            traces = GRAPH_CACHE.traces()
            start = time.perf_counter()
            res = cross_validate(est, X, y, cv=kfold)
            total = time.perf_counter() - start
            traced = GRAPH_CACHE.traces() - traces
            per_fold = res["fit_time"] + res["score_time"]
            times[runner] = total
            rest = per_fold[1:].mean() if len(per_fold) > 1 else float("nan")
            rows.append(
                [
                    runner,
                    f"{total:.2f}",
                    f"{per_fold[0]:.2f}",
                    f"{rest:.3f}",
                    mean_std(res["test_score"]),
                    traced if runner == "graph" else "-",
                ]
            )
            print(f"  {name:8s} {runner:9s} {total:8.2f} s", flush=True)
        article = "{:.2f}% ({:.2f}%)".format(*ARTICLE_RESULTS[name])
        print_table(
            [
                "runner",
                "total s",
                "fold 1 s",
                "other folds s (mean)",
                "accuracy mean (std)",
                "graphs traced",
            ],
            rows,
            title=f"model {name!r} (article: {article})",
        )
        g = times["graph"]
        ratios = {f"{r}/graph": times[r] / g for r in runners if r != "graph"}
        print("  time ratios: " + ", ".join(f"{k} {v:.1f}x" for k, v in ratios.items()))
        summary.append([name, f"{g:.2f}"] + [f"{v:.1f}x" for v in ratios.values()])

    print_table(
        ["model", "graph s"] + [f"{r}/graph" for r in runners if r != "graph"],
        summary,
        title="Summary (time ratios > 1: dropoutmlp's graph engine is faster)",
    )
    print(
        "\nTargets: scikeras/graph >= 20x (aim 50x); sklearn/graph >= 1x (aim 3x); "
        "graph and keras-fit accuracies within noise."
    )
    print(f"Graphs traced in this process: {GRAPH_CACHE.traces()}")


if __name__ == "__main__":
    main()
