"""
Grid-searching the dropout rates
================================

The input dropout rate and the hidden dropout rate are constructor
parameters of :class:`~dropoutmlp.DropoutMLPClassifier`, so
:class:`~sklearn.model_selection.GridSearchCV` tunes them like any other
hyperparameter.  Here we search ``input_dropout`` x ``dropout`` around the
article's ``hidden`` model (60-30 ReLU, SGD with learning rate 0.1 and
momentum 0.9, max-norm 3) and draw the mean cross-validated accuracy of every
pair as a heatmap.  ``python -m dropoutmlp grid --heatmap heatmap.png`` does
the same from the command line.
"""

# %%
# Data and protocol
# -----------------
# Sonar from the local file named by ``DROPOUTMLP_SONAR`` (breast cancer
# when there is none); ``DROPOUTMLP_DOCS_QUICK=1`` shrinks the grid and the
# protocol for the documentation's CI build.
import os
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from dropoutmlp import article_model
from dropoutmlp.datasets import load_sonar

QUICK = os.environ.get("DROPOUTMLP_DOCS_QUICK") == "1"
if QUICK:
    FOLDS, EPOCHS = 3, 30
    INPUT_RATES, HIDDEN_RATES = [0.0, 0.2], [0.0, 0.5]
else:
    FOLDS, EPOCHS = 10, 300
    INPUT_RATES, HIDDEN_RATES = [0.0, 0.1, 0.2, 0.3], [0.0, 0.2, 0.3, 0.5]
SEED = 7

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

# %%
# The search
# ----------
# ``article_model`` returns a ``StandardScaler`` + classifier pipeline, so
# the parameters carry the step's name as a prefix.  The training engine
# builds one program per architecture and reuses it for every candidate and
# fold: the rates and the learning rate are inputs of the program, not
# constants in it.
model = article_model("hidden", epochs=EPOCHS, random_state=SEED)
param_grid = {
    "dropoutmlpclassifier__input_dropout": INPUT_RATES,
    "dropoutmlpclassifier__dropout": HIDDEN_RATES,
}
search = GridSearchCV(
    model,
    param_grid,
    cv=StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=SEED),
    n_jobs=1,
)
start = time.perf_counter()
search.fit(X, y)
print(
    f"{data_name}: {len(search.cv_results_['params'])} candidates x {FOLDS} "
    f"folds, {EPOCHS} epochs, in {time.perf_counter() - start:.1f} s"
)
print("Best:", search.best_params_, f"{100 * search.best_score_:.2f}%")

# %%
# The heatmap
# -----------
# Rows are input dropout rates, columns hidden dropout rates; the red frame
# marks the best pair (``python -m dropoutmlp grid --heatmap`` also hatches
# candidates that predicted a single class on some fold).  Remember the size
# of the test folds: on Sonar one row is worth about five points of one
# fold's accuracy, so compare neighbouring cells with the standard deviations
# printed below before calling one better.
res = search.cv_results_
scores = np.empty((len(INPUT_RATES), len(HIDDEN_RATES)))
for params, score in zip(res["params"], res["mean_test_score"], strict=True):
    i = INPUT_RATES.index(params["dropoutmlpclassifier__input_dropout"])
    j = HIDDEN_RATES.index(params["dropoutmlpclassifier__dropout"])
    scores[i, j] = 100 * score

fig, ax = plt.subplots(figsize=(6, 4.5))
image = ax.imshow(scores, origin="lower", cmap="viridis")
for i in range(len(INPUT_RATES)):
    for j in range(len(HIDDEN_RATES)):
        bright = scores[i, j] > scores.min() + 0.6 * np.ptp(scores)
        ax.text(
            j,
            i,
            f"{scores[i, j]:.1f}",
            ha="center",
            va="center",
            color="black" if bright else "white",
        )
best_i, best_j = np.unravel_index(scores.argmax(), scores.shape)
ax.add_patch(
    plt.Rectangle(
        (best_j - 0.5, best_i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5
    )
)
ax.set_xticks(range(len(HIDDEN_RATES)), [f"{r:g}" for r in HIDDEN_RATES])
ax.set_yticks(range(len(INPUT_RATES)), [f"{r:g}" for r in INPUT_RATES])
ax.set_xlabel("dropout (after each hidden layer)")
ax.set_ylabel("input_dropout")
ax.set_title(f"{data_name}: mean {FOLDS}-fold CV accuracy (%)")
fig.colorbar(image, ax=ax, label="accuracy (%)")
# The legend says what the red frame means, below the axes, off the data.
ax.legend(
    handles=[Patch(fill=False, edgecolor="red", lw=2.5, label="best mean accuracy")],
    loc="upper center",
    bbox_to_anchor=(0.5, -0.15),
    frameon=False,
)
fig.tight_layout()

# %%
# The ranking
# -----------
# The five best candidates with the spread of their fold scores.
order = np.argsort(res["rank_test_score"], kind="stable")[:5]
for k in order:
    params = res["params"][k]
    print(
        f"input_dropout={params['dropoutmlpclassifier__input_dropout']:<4} "
        f"dropout={params['dropoutmlpclassifier__dropout']:<4} "
        f"{100 * res['mean_test_score'][k]:6.2f}% "
        f"(std {100 * res['std_test_score'][k]:5.2f}%)"
    )
