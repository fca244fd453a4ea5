"""
Learning the dropout rates: concrete dropout against a grid
===========================================================

A grid search over ``input_dropout`` x ``dropout`` trains one network per
pair of rates and fold.  Concrete dropout (Gal, Hron and Kendall, 2017)
learns one rate per layer during a single fit instead:
``input_dropout="concrete"`` and ``dropout="concrete"`` make the rates
trainable through a continuous relaxation of the dropout mask, with a
regulariser from the variational objective that keeps them from collapsing
to zero.  Here both run on the same folds: the grid's heatmap on the left,
the rates each fold's concrete fit learned, epoch by epoch, on the right.
Every figure printed below is computed when the documentation is built.
"""

# %%
# Data and protocol
# -----------------
# Sonar from the local file named by ``DROPOUTMLP_SONAR`` (breast cancer
# when there is none); ``DROPOUTMLP_DOCS_QUICK=1`` shrinks the grid and the
# protocol for the documentation's CI build.  The estimator keeps its
# defaults (Adam, one hidden layer of 100 units, max-norm 3).
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier
from dropoutmlp.datasets import load_sonar

QUICK = os.environ.get("DROPOUTMLP_DOCS_QUICK") == "1"
if QUICK:
    FOLDS, EPOCHS, RATES = 3, 30, [0.0, 0.3]
else:
    FOLDS, EPOCHS, RATES = 5, 200, [0.0, 0.1, 0.2, 0.3, 0.5]
SEED = 0

sonar_file = os.environ.get("DROPOUTMLP_SONAR")
if sonar_file and Path(sonar_file).is_file():
    X, y = load_sonar(sonar_file, return_X_y=True)
    data_name = "Sonar"
else:
    print(
        "Note: no local Sonar file (set DROPOUTMLP_SONAR to sonar.csv); "
        "using scikit-learn's breast_cancer data instead."
    )
    X, y = load_breast_cancer(return_X_y=True)
    data_name = "breast_cancer"

cv = list(StratifiedKFold(FOLDS, shuffle=True, random_state=SEED).split(X, y))
model = make_pipeline(
    StandardScaler(), DropoutMLPClassifier(epochs=EPOCHS, random_state=SEED)
)

# %%
# The grid
# --------
grid = GridSearchCV(
    model,
    {
        "dropoutmlpclassifier__input_dropout": RATES,
        "dropoutmlpclassifier__dropout": RATES,
    },
    cv=cv,
    refit=False,
)
start = time.perf_counter()
grid.fit(X, y)
grid_seconds = time.perf_counter() - start
best = grid.best_index_
best_mean = grid.cv_results_["mean_test_score"][best]
best_se = grid.cv_results_["std_test_score"][best] / np.sqrt(FOLDS)

# %%
# One concrete fit per fold
# -------------------------
# The learned rates are fitted attributes (``input_dropout_``, ``dropout_``)
# and their trajectory is ``dropout_curve_``; the fitted ``model_`` is an
# ordinary Keras network with ``Dropout`` layers at the learned rates.
concrete = model.set_params(
    dropoutmlpclassifier__input_dropout="concrete",
    dropoutmlpclassifier__dropout="concrete",
)
start = time.perf_counter()
result = cross_validate(concrete, X, y, cv=cv, return_estimator=True)
concrete_seconds = time.perf_counter() - start
scores = result["test_score"]
nets = [pipe[-1] for pipe in result["estimator"]]

print(f"{data_name}, {FOLDS} folds, {EPOCHS} epochs")
print(
    f"grid ({len(RATES)}x{len(RATES)}): best {100 * best_mean:.2f}% "
    f"(SE {100 * best_se:.2f}%) at {grid.best_params_}, {grid_seconds:.1f} s"
)
print(
    f"concrete: {100 * scores.mean():.2f}% "
    f"(SE {100 * scores.std() / np.sqrt(FOLDS):.2f}%), {concrete_seconds:.1f} s "
    f"({concrete_seconds / grid_seconds:.2f} of the grid's time)"
)
for fold, net in enumerate(nets):
    print(
        f"fold {fold}: learned input_dropout_={net.input_dropout_:.3f}, "
        f"dropout_={np.round(net.dropout_, 3).tolist()}"
    )

# %%
# The heatmap and the learned rates
# ---------------------------------
# ``cv_results_`` orders the parameters by name: ``dropout`` varies slowest,
# so row ``i`` of the reshaped scores is ``dropout=RATES[i]`` and column ``j``
# is ``input_dropout=RATES[j]``.
means = grid.cv_results_["mean_test_score"].reshape(len(RATES), len(RATES))
fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2))
image = left.imshow(means, cmap="viridis", origin="lower")
left.set_xticks(range(len(RATES)), [f"{r:g}" for r in RATES])
left.set_yticks(range(len(RATES)), [f"{r:g}" for r in RATES])
left.set_xlabel("input_dropout")
left.set_ylabel("dropout (hidden)")
for i in range(len(RATES)):
    for j in range(len(RATES)):
        left.text(
            j,
            i,
            f"{100 * means[i, j]:.1f}",
            ha="center",
            va="center",
            color="white",
            fontsize=8,
        )
left.set_title(f"grid: mean CV accuracy ({len(RATES) ** 2} x {FOLDS} fits)")
fig.colorbar(image, ax=left, shrink=0.8)

for fold, net in enumerate(nets):
    curve = np.asarray(net.dropout_curve_)
    label = fold == 0
    right.plot(
        curve[:, 0],
        color="tab:blue",
        alpha=0.7,
        label="input_dropout" if label else None,
    )
    right.plot(
        curve[:, 1],
        color="tab:orange",
        alpha=0.7,
        label="dropout (hidden)" if label else None,
    )
right.set_xlabel("epoch")
right.set_ylabel("learned rate")
right.set_title(f"concrete: the rates of each fold's fit ({FOLDS} fits)")
right.legend()
fig.tight_layout()
plt.show()
