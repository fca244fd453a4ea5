"""Whether a fixed set of fits gives the same model, to the bit, as before.

For a refactor that should not change the maths: every engine, fixed and
concrete dropout, each optimizer, both stopping rules, warm starts, the
Poisson loss.  Each fit's digest hashes its weights, curves and dropout
rates.  Write the digests before the change, check them after::

    python benchmarks/bit_identity.py --write before.json   # old checkout
    python benchmarks/bit_identity.py --check before.json   # new checkout

Prints one line per fit (digest, epochs run) and, with ``--check``, the fits
whose digests differ; exits 1 if any does.  Digests are only comparable on
one machine and one TensorFlow build.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import warnings

import numpy as np
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

COMMON = dict(
    hidden_layer_sizes=(12, 7),
    epochs=6,
    batch_size=32,
    random_state=5,
    n_iter_no_change=np.inf,
)
DROPOUT = dict(input_dropout=0.2, dropout=0.3, max_norm=3.0, alpha=1e-3)
CONCRETE = dict(
    input_dropout="concrete", dropout=("concrete", 0.2), max_norm=(3.0, None)
)
OPTIMIZERS = {
    "sgd": dict(optimizer="sgd", learning_rate=0.05, momentum=0.9, nesterov=True),
    "adam": dict(optimizer="adam", learning_rate=0.01),
    "rmsprop": dict(optimizer="rmsprop", learning_rate=0.005, momentum=0.5),
}


def data() -> dict:
    """The fits' data sets, generated."""
    Xc, yc = make_classification(160, 8, n_informative=5, n_classes=3, random_state=0)
    Xb, yb = make_classification(120, 6, random_state=1)
    Xr, yr = make_regression(150, 7, noise=5.0, random_state=2)
    rng = np.random.RandomState(3)
    Xp = rng.normal(size=(150, 5))
    yp = rng.poisson(np.exp(0.3 * Xp[:, 0] + 0.2 * Xp[:, 1]))
    return {
        "clf": (Xc, yc),
        "warm": (Xc, yc),
        "bin": (Xb, yb),
        "reg": (Xr, yr / yr.std()),
        "poisson": (Xp, yp),
    }


def cases():
    """(name, engine, data set, parameters) of every fit."""
    sgd, adam = OPTIMIZERS["sgd"], OPTIMIZERS["adam"]
    for engine in ("xla", "graph", "keras"):
        base = {**COMMON, "engine": engine}
        for name, options in OPTIMIZERS.items():
            yield f"{engine}-clf-{name}-drop", "clf", {**base, **DROPOUT, **options}
        no_dropout = {"dropout": 0.0, "max_norm": None}
        yield f"{engine}-bin-sgd-nodrop", "bin", {**base, **sgd, **no_dropout}
        yield f"{engine}-reg-adam-drop", "reg", {**base, **DROPOUT, **adam}
        poisson = {**base, **DROPOUT, **adam, "loss": "poisson"}
        yield f"{engine}-poisson-adam-drop", "poisson", poisson
        early = {"early_stopping": True, "n_iter_no_change": 2}
        yield f"{engine}-clf-adam-early", "clf", {**base, **DROPOUT, **adam, **early}
        rule = {"epochs": 40, "n_iter_no_change": 2, "tol": 1e-2}
        yield f"{engine}-clf-sgd-stoprule", "clf", {**base, **DROPOUT, **sgd, **rule}
        warm = {**base, **DROPOUT, **sgd, "warm_start": True}
        yield f"{engine}-clf-sgd-warm", "warm", warm
        if engine == "keras":
            continue  # concrete dropout trains on the programs only
        for name, options in OPTIMIZERS.items():
            concrete = {**base, **CONCRETE, **options}
            yield f"{engine}-clf-{name}-concrete", "clf", concrete
        yield f"{engine}-reg-sgd-concrete", "reg", {**base, **CONCRETE, **sgd}


def digest(kind: str, params: dict, sets: dict) -> tuple[str, int]:
    """The fit's digest and its epochs run (a warm-start case fits twice)."""
    regression = kind in ("reg", "poisson")
    est = (DropoutMLPRegressor if regression else DropoutMLPClassifier)(**params)
    X, y = sets[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
        if kind == "warm":
            est.fit(X, y)
    assert est.engine_ == params["engine"], (est.engine_, params["engine"])
    h = hashlib.sha256()
    for a in [*est.coefs_, *est.intercepts_]:
        h.update(np.ascontiguousarray(a).tobytes())
    for name in ("loss_curve_", "eval_loss_curve_", "validation_scores_"):
        values = getattr(est, name)
        if values is not None:
            h.update(np.asarray(values, np.float64).tobytes())
    h.update(np.asarray(est.dropout_, np.float64).tobytes())
    h.update(np.float64(est.input_dropout_).tobytes())
    return h.hexdigest()[:16], est.n_iter_


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--write", metavar="FILE", help="write the digests here")
    group.add_argument("--check", metavar="FILE", help="compare with these digests")
    args = parser.parse_args(argv)
    sets, digests = data(), {}
    for name, kind, params in cases():
        digests[name] = list(digest(kind, params, sets))
        print(name, *digests[name], flush=True)
    if args.write:
        with open(args.write, "w") as f:
            json.dump(digests, f, indent=1)
        return 0
    with open(args.check) as f:
        before = json.load(f)
    changed = [name for name in digests if before.get(name) != digests[name]]
    print(f"{len(digests) - len(changed)} of {len(digests)} fits identical to the bit")
    for name in changed:
        print(f"  differs: {name} {before.get(name)} -> {digests[name]}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main())
