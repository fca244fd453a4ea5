"""
Monte-Carlo dropout: uncertainty away from the training data
============================================================

A network trained with dropout can keep dropout switched on at prediction
time: every forward pass then drops a different random set of units, and the
spread of many such passes estimates how unsure the model is (Gal and
Ghahramani, 2016, "Dropout as a Bayesian approximation").  Near the training
data the thinned networks agree; away from it nothing constrains them and
they fan out.

:class:`~dropoutmlp.DropoutMLPRegressor` returns this spread from
``predict(X, return_std=True)``, with the signature of scikit-learn's
:class:`~sklearn.gaussian_process.GaussianProcessRegressor`;
:meth:`~dropoutmlp.DropoutMLPClassifier.mc_predict_proba` does the same for
class probabilities.  All the stochastic passes run inside one compiled
TensorFlow graph call.
"""

# %%
# A 1-D regression problem
# ------------------------
# 200 noisy samples of :math:`\sin(3x)` with :math:`x` drawn in
# :math:`[-1, 1]`; we predict on :math:`[-3, 3]`.
# ``DROPOUTMLP_DOCS_QUICK=1`` (the documentation's CI build) trains fewer
# epochs.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_moons

from dropoutmlp import DropoutMLPClassifier, DropoutMLPRegressor

QUICK = os.environ.get("DROPOUTMLP_DOCS_QUICK") == "1"
EPOCHS = 100 if QUICK else 200

rng = np.random.RandomState(0)
x_train = rng.uniform(-1, 1, size=(200, 1))
y_train = np.sin(3 * x_train[:, 0]) + 0.1 * rng.normal(size=200)
x_plot = np.linspace(-3, 3, 400)[:, None]

# %%
# Fitting and predicting with ``return_std``
# ------------------------------------------
# One hidden layer of 100 ReLU units with dropout 0.2 (the defaults).  Plain
# ``predict`` is the deterministic network (dropout off); with
# ``return_std=True`` the mean and the standard deviation of ``mc_samples``
# dropout-on passes (100 by default; 1000 here, for smooth curves), seeded by
# ``random_state``.
reg = DropoutMLPRegressor(epochs=EPOCHS, mc_samples=1000, random_state=0)
reg.fit(x_train, y_train)
y_det = reg.predict(x_plot)
y_mean, y_std = reg.predict(x_plot, return_std=True)

inside = np.abs(x_plot[:, 0]) <= 1
far = np.abs(x_plot[:, 0]) >= 2.5
print(f"R^2 on the training data: {reg.score(x_train, y_train):.3f}")
print(f"mean std for |x| <= 1:   {y_std[inside].mean():.3f}")
print(f"mean std for |x| >= 2.5: {y_std[far].mean():.3f}")

fig, (ax, ax_std) = plt.subplots(
    2, 1, figsize=(9, 6), sharex=True, height_ratios=(3, 1.3), layout="constrained"
)
ax.axvspan(-1, 1, color="0.93", label="training range")
ax.fill_between(
    x_plot[:, 0],
    y_mean - 2 * y_std,
    y_mean + 2 * y_std,
    color="tab:blue",
    alpha=0.25,
    label="MC-dropout mean ± 2 std",
)
ax.plot(x_plot[:, 0], y_mean, color="tab:blue", label="MC-dropout mean")
ax.plot(x_plot[:, 0], y_det, "--", color="tab:orange", label="predict (dropout off)")
ax.plot(x_plot[:, 0], np.sin(3 * x_plot[:, 0]), ":", color="0.3", label="sin(3x)")
ax.scatter(x_train[:, 0], y_train, s=8, color="k", alpha=0.5, label="training data")
ax.set_ylim(-4, 4)
ax.set_ylabel("y")
# The legend right of the plot, off the curves.
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize="small")
ax.set_title("DropoutMLPRegressor: predict(X, return_std=True)")
ax_std.axvspan(-1, 1, color="0.93")
ax_std.plot(x_plot[:, 0], y_std, color="tab:blue")
ax_std.set_xlabel("x")
ax_std.set_ylabel("std")

# %%
# The deterministic network and the MC mean agree closely inside the
# training range; the standard deviation is smallest there and grows on both
# sides, where a ReLU network extrapolates linearly and the thinned networks
# extrapolate along different lines.  This is epistemic uncertainty only: the
# noise of the targets (0.1 here) is not part of it.
#
# A classifier: uncertainty of the class probability
# --------------------------------------------------
# Two interleaving half-moons; ``mc_predict_proba`` returns the mean and the
# standard deviation of each class's probability over 100 dropout passes.
X, y = make_moons(n_samples=300, noise=0.15, random_state=0)
clf = DropoutMLPClassifier((100,), dropout=0.3, epochs=EPOCHS, random_state=0)
clf.fit(X, y)

xx, yy = np.meshgrid(np.linspace(-4, 5, 120), np.linspace(-3.5, 4, 100))
grid = np.column_stack([xx.ravel(), yy.ravel()])
proba_mean, proba_std = clf.mc_predict_proba(grid, n_samples=100, random_state=0)

# The training points are drawn in neither colour map: white circles (class 0)
# and gold triangles (class 1), edged in black, stand out on both backgrounds.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.8), sharey=True, layout="constrained")
panels = [
    (proba_mean[:, 1], "RdBu_r", "mean P(class 1)"),
    (proba_std[:, 1], "viridis", "std of P(class 1)"),
]
markers = [("o", "white", "class 0"), ("^", "gold", "class 1")]
for ax, (values, cmap, title) in zip(axes, panels, strict=True):
    mesh = ax.pcolormesh(xx, yy, values.reshape(xx.shape), cmap=cmap, shading="auto")
    for label, (marker, face, name) in enumerate(markers):
        ax.scatter(
            *X[y == label].T,
            marker=marker,
            s=22,
            c=face,
            edgecolors="black",
            linewidths=0.6,
            label=f"training points, {name}",
        )
    ax.set_title(title)
    ax.set_xlabel("$x_1$")
    fig.colorbar(mesh, ax=ax)
axes[0].set_ylabel("$x_2$")
fig.legend(
    *axes[0].get_legend_handles_labels(),
    loc="outside lower center",
    ncols=2,
    markerscale=1.5,
)
fig.suptitle("DropoutMLPClassifier.mc_predict_proba on two moons")

# %%
# The spread is largest along the decision boundary, where the thinned
# networks disagree about the class, and it grows along the boundary with the
# distance from the moons, where no training point pins the networks down.
# Far from both the data and the boundary, however, every thinned network
# saturates to the same class and the spread vanishes: Monte-Carlo dropout
# flags the inputs on which the model could go either way, not every input
# unlike the training data.
plt.show()
