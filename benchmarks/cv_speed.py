"""Issue benchmark 1: the dropout article's cross-validation on Sonar, timed.

For each of the article's three models (``baseline``, ``visible``,
``hidden``), runs the article's 10-fold stratified cross-validation
(``StratifiedKFold(10, shuffle=True, random_state=7)``, ``StandardScaler``
pipeline, 300 epochs, batch 16, labels through ``LabelEncoder``) with

* ``dropoutmlp``: ``dropoutmlp.article_model(name)``, on whichever engine
  it chooses (``engine_``: these 3,600-step fits run as one XLA-compiled
  program, compiled once in the process and shared by the three models);
* ``keras-fit``: the same estimator on ``keras.Model.fit`` (``engine="keras"``:
  same folds, seeds and data order), the accuracy-equivalence check of the
  engine;
* ``scikeras``: the article's own code, ``scikeras.wrappers.KerasClassifier``
  around a function that builds and compiles the article's Keras network;
* ``sklearn``: ``MLPClassifier`` with the same 60-30 ReLU net and plain SGD
  (same learning rate and momentum, batch 16, all epochs run, no L2).  It has
  no dropout or max-norm, so for ``visible`` and ``hidden`` it is the same
  net and optimizer without the regularisation.

Every run goes through ``cross_validate`` (what ``cross_val_score`` calls),
sequentially in this process, in the order given (the first dropoutmlp run
pays the compilation).  Prints, per model and runner: total time (compile
included), the first fold and the mean of the other folds, the first fold's
extra time (the compilation, when it has one), mean (std) accuracy and the
engine that ran, then the time ratios against dropoutmlp with the compile
included and without it.

Run (the default, about 8 minutes on 2 cores, runs the article's scikeras
code for the seed's ``hidden`` model only; ``--scikeras-models`` adds more,
2 minutes each)::

    python benchmarks/cv_speed.py
    python benchmarks/cv_speed.py --skip-keras-fit --scikeras-models
    python benchmarks/cv_speed.py --models hidden --folds 3 --epochs 20
"""

from __future__ import annotations

import argparse
import time

from _common import load_sonar, mean_std, print_table, quiet_tensorflow

MODELS = ("baseline", "visible", "hidden")
RUNNERS = ("dropoutmlp", "keras-fit", "scikeras", "sklearn")


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
    from sklearn.neural_network import MLPClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import ARTICLE_MODELS, article_model

    if runner == "dropoutmlp":
        return article_model(name, epochs=epochs)
    if runner == "keras-fit":
        return article_model(name, epochs=epochs, engine="keras")
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
    parser.add_argument(
        "--scikeras-models",
        nargs="*",
        default=["hidden"],
        choices=MODELS,
        help="models to run the article's scikeras code for (none: skip it)",
    )
    parser.add_argument(
        "--skip-keras-fit", action="store_true", help="skip the Keras-fit path"
    )
    args = parser.parse_args(argv)

    quiet_tensorflow()
    import numpy as np
    from _common import describe_machine
    from sklearn.model_selection import StratifiedKFold, cross_validate
    from sklearn.preprocessing import LabelEncoder

    from dropoutmlp import ARTICLE_RESULTS

    X, labels = load_sonar()
    y = LabelEncoder().fit_transform(labels)
    kfold = StratifiedKFold(n_splits=args.folds, shuffle=True, random_state=7)
    print(describe_machine())
    print(
        f"Sonar {X.shape}, {args.folds}-fold StratifiedKFold(shuffle=True, "
        f"random_state=7), {args.epochs} epochs, batch 16"
    )

    summary, totals = [], {}
    for name in args.models:
        runners = [
            r
            for r in RUNNERS
            if not (r == "scikeras" and name not in args.scikeras_models)
            and not (r == "keras-fit" and args.skip_keras_fit)
        ]
        rows, times, steady = [], {}, {}
        for runner in runners:
            est = make_estimator(runner, name, args.epochs, X.shape[1])
            start = time.perf_counter()
            res = cross_validate(est, X, y, cv=kfold, return_estimator=True)
            total = time.perf_counter() - start
            per_fold = res["fit_time"] + res["score_time"]
            rest = np.median(per_fold[1:]) if len(per_fold) > 1 else per_fold[0]
            times[runner] = total
            steady[runner] = rest * len(per_fold)  # without the first fit's extra
            totals.setdefault(runner, [0.0, 0.0, 0])
            totals[runner][0] += total
            totals[runner][1] += steady[runner]
            totals[runner][2] += 1
            engine = getattr(res["estimator"][0][-1], "engine_", "-")
            rows.append(
                [
                    runner,
                    f"{total:.2f}",
                    f"{per_fold[0]:.2f}",
                    f"{per_fold[1:].mean():.3f}" if len(per_fold) > 1 else "-",
                    f"{max(per_fold[0] - rest, 0):.2f}",
                    mean_std(res["test_score"]),
                    engine,
                ]
            )
            print(f"  {name:8s} {runner:10s} {total:8.2f} s", flush=True)
        article = "{:.2f}% ({:.2f}%)".format(*ARTICLE_RESULTS[name])
        print_table(
            [
                "runner",
                "total s",
                "fold 1 s",
                "other folds s (mean)",
                "fold 1 extra s",
                "accuracy mean (std)",
                "engine",
            ],
            rows,
            title=f"model {name!r} (article: {article})",
        )
        ours = times["dropoutmlp"]
        ratios = [
            f"{r}/dropoutmlp {times[r] / ours:.1f}x "
            f"({steady[r] / steady['dropoutmlp']:.1f}x without first-fit extras)"
            for r in runners
            if r != "dropoutmlp"
        ]
        print("  time ratios: " + "; ".join(ratios))
        summary.append(
            [name, f"{ours:.2f}"]
            + [
                f"{times[r] / ours:.1f}x" if r in times else "-"
                for r in RUNNERS
                if r != "dropoutmlp"
            ]
        )

    print_table(
        ["model", "dropoutmlp s"] + [f"{r}/dropoutmlp" for r in RUNNERS[1:]],
        summary,
        title="Summary, compile included (ratios > 1: dropoutmlp is faster)",
    )
    ours_total, ours_steady, _ = totals["dropoutmlp"]
    for runner, (total, steady_total, n) in totals.items():
        if runner != "dropoutmlp" and n == len(args.models):
            print(
                f"All models: {runner} {total:.1f} s / dropoutmlp {ours_total:.1f} s"
                f" = {total / ours_total:.1f}x compile included, "
                f"{steady_total / ours_steady:.1f}x without first-fit extras"
            )
    print(
        "\nTargets (issue 'Engine 2'): sklearn/dropoutmlp >= 3x and "
        "scikeras/dropoutmlp >= 50x, compile included."
    )


if __name__ == "__main__":
    main()
