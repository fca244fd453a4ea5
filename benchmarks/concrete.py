"""Concrete dropout against a grid search of the dropout rates.

On Sonar (when the data is present), breast_cancer, wine, digits and diabetes
(regression), with the estimators' default parameters after a
``StandardScaler`` (only ``random_state`` fixed): one cross-validation of
``input_dropout="concrete", dropout="concrete"`` against ``GridSearchCV`` over
the 5 x 5 grid of fixed (input, hidden) rates in ``RATES``, on the same
shuffled stratified folds (plain folds for the regression).  Prints, per data
set, the grid's best CV score and its standard error, the concrete score, the
difference in grid standard errors, both wall times and their ratio (the
concrete CV's time includes compiling its program, which no grid candidate
shares; "again" repeats that CV with the program compiled, to report the
compilation apart), and the rates concrete dropout learned (mean over folds).

Then MC-dropout uncertainty on diabetes' held-out quarter: the regressor with
the default fixed rates, with the grid's best rates and with concrete dropout;
``mc_predict`` (200 passes) gives each row's mean and spread, the predictive
variance adds the noise variance estimated from the training rows' residuals,
and the script prints the Gaussian negative log-likelihood per row and the
coverage of the central 90% interval.

Run (full size: about 3 minutes on 2 cores; run alone)::

    python benchmarks/concrete.py
    python benchmarks/concrete.py --datasets wine --folds 3 --params epochs=30
"""

from __future__ import annotations

import argparse
import math

import numpy as np
from _common import (
    Timer,
    describe_machine,
    load_sonar,
    parse_params,
    print_table,
    quiet_tensorflow,
)

DATASETS = ("sonar", "breast_cancer", "wine", "digits", "diabetes")
RATES = (0.0, 0.1, 0.2, 0.3, 0.5)


def load(name: str):
    """``(X, y, is_regression)`` of a data set, or None (Sonar absent)."""
    from sklearn import datasets

    if name == "sonar":
        data = load_sonar(required=False)
        return None if data is None else (*data, False)
    if name == "diabetes":
        X, y = datasets.load_diabetes(return_X_y=True)
        return X, y, True
    X, y = getattr(datasets, f"load_{name}")(return_X_y=True)
    return X, y, False


def pipeline(regression: bool, seed: int, params: dict):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

    cls = DropoutMLPRegressor if regression else DropoutMLPClassifier
    return make_pipeline(StandardScaler(), cls(random_state=seed, **params))


def compare(name, X, y, regression, folds, seed, params):
    """One table row: the grid's best against one concrete cross-validation."""
    from sklearn.model_selection import (
        GridSearchCV,
        KFold,
        StratifiedKFold,
        cross_validate,
    )

    splitter = KFold if regression else StratifiedKFold
    cv = list(splitter(folds, shuffle=True, random_state=seed).split(X, y))
    model = pipeline(regression, seed, params)
    step = model.steps[-1][0]
    grid = GridSearchCV(
        model,
        {f"{step}__input_dropout": RATES, f"{step}__dropout": RATES},
        cv=cv,
        refit=False,
    )
    with Timer() as grid_time:
        grid.fit(X, y)
    best = grid.best_index_
    best_mean = grid.cv_results_["mean_test_score"][best]
    best_se = grid.cv_results_["std_test_score"][best] / math.sqrt(folds)
    best_rates = (
        grid.best_params_[f"{step}__input_dropout"],
        grid.best_params_[f"{step}__dropout"],
    )
    concrete = pipeline(regression, seed, params).set_params(
        **{f"{step}__input_dropout": "concrete", f"{step}__dropout": "concrete"}
    )
    with Timer() as concrete_time:
        result = cross_validate(concrete, X, y, cv=cv, return_estimator=True)
    with Timer() as again_time:  # the same CV, its program now compiled
        cross_validate(concrete, X, y, cv=cv)
    scores = result["test_score"]
    fitted = [pipe[-1] for pipe in result["estimator"]]
    learned = np.mean([[est.input_dropout_, *est.dropout_] for est in fitted], axis=0)
    gap = (scores.mean() - best_mean) / best_se if best_se > 0 else math.inf
    row = [
        name,
        f"{best_mean:.4f} ± {best_se:.4f}",
        f"{best_rates[0]:g} / {best_rates[1]:g}",
        f"{scores.mean():.4f} ± {scores.std() / math.sqrt(folds):.4f}",
        f"{gap:+.2f}",
        "yes" if gap >= -1 else "no",
        f"{grid_time.seconds:.1f}",
        f"{concrete_time.seconds:.1f}",
        f"{concrete_time.seconds / grid_time.seconds:.3f}",
        f"{again_time.seconds:.1f}",
        f"{again_time.seconds / grid_time.seconds:.3f}",
        " / ".join(f"{r:.2f}" for r in learned),
    ]
    return row, best_rates


def uncertainty(best_rates, seed, params, n_passes=200):
    """Rows of the MC-dropout table on diabetes' held-out quarter."""
    from scipy.stats import norm
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=seed
    )
    step_params = {
        "fixed (default rates)": {},
        f"fixed (grid's best {best_rates[0]:g} / {best_rates[1]:g})": {
            "input_dropout": best_rates[0],
            "dropout": best_rates[1],
        },
        "concrete": {"input_dropout": "concrete", "dropout": "concrete"},
    }
    z90 = norm.ppf(0.95)
    rows = []
    for label, rates in step_params.items():
        model = pipeline(True, seed, {**params, **rates}).fit(X_train, y_train)
        scaler, net = model[0], model[-1]

        def mc(X_rows, net=net, scaler=scaler):
            return net.mc_predict(
                scaler.transform(X_rows), n_samples=n_passes, random_state=seed
            )

        train_mean, _ = mc(X_train)
        noise_var = np.mean((y_train - train_mean) ** 2)
        mean, std = mc(X_test)
        var = std**2 + noise_var
        nll = 0.5 * np.log(2 * np.pi * var) + (y_test - mean) ** 2 / (2 * var)
        inside = np.abs(y_test - mean) <= z90 * np.sqrt(var)
        rows.append(
            [
                label,
                " / ".join(f"{r:.2f}" for r in (net.input_dropout_, *net.dropout_)),
                f"{np.sqrt(np.mean((y_test - mean) ** 2)):.2f}",
                f"{np.mean(std):.2f}",
                f"{nll.mean():.3f}",
                f"{100 * inside.mean():.1f}%",
            ]
        )
    return rows


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", nargs="+", default=DATASETS, choices=DATASETS)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0, help="CV and model seed")
    parser.add_argument(
        "--params",
        nargs="*",
        metavar="KEY=VALUE",
        help="overrides of both estimators' parameters, e.g. epochs=30",
    )
    args = parser.parse_args(argv)
    quiet_tensorflow()
    params = parse_params(args.params)
    print(describe_machine())
    print(
        f"{args.folds}-fold CV (seed {args.seed}); grid: input_dropout x dropout "
        f"over {RATES}; defaults otherwise" + (f", with {params}" if params else "")
    )
    rows, diabetes_best = [], None
    for name in args.datasets:
        data = load(name)
        if data is None:
            print(f"{name}: skipped (sonar.csv not found; set DROPOUTMLP_SONAR)")
            continue
        row, best_rates = compare(name, *data, args.folds, args.seed, params)
        rows.append(row)
        if name == "diabetes":
            diabetes_best = best_rates
    print_table(
        [
            "data",
            "grid best ± SE",
            "best rates",
            "concrete ± SE",
            "gap (SE)",
            "within 1 SE",
            "grid s",
            "concrete s",
            "time ratio",
            "again s",
            "ratio again",
            "learned rates",
        ],
        rows,
        title="CV score (accuracy; R^2 for diabetes): concrete vs the 5x5 grid",
    )
    print(
        "Target (issue 'concrete dropout'): within 1 SE of the grid's best on "
        "each data set, at a time ratio <= 0.1."
    )
    if diabetes_best is not None:
        print_table(
            [
                "diabetes, held-out 25%",
                "rates",
                "RMSE",
                "mean MC std",
                "NLL",
                "90% cover",
            ],
            uncertainty(diabetes_best, args.seed, params),
            title="MC-dropout uncertainty (200 passes; noise variance from training)",
        )


if __name__ == "__main__":
    main()
