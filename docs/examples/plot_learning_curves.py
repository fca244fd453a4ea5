"""
Learning curves with and without dropout
========================================

A fitted :class:`~dropoutmlp.DropoutMLPClassifier` keeps the training loss of
every epoch in ``loss_curve_`` and, with ``early_stopping=True``, the accuracy
on the held-out validation rows after every epoch in ``validation_scores_``.
Here a network twice the width of the article's (120-60) is trained without
dropout and with the article's advice (dropout on the inputs and the hidden
layers, max-norm 3) at two learning rates; to see every epoch,
``n_iter_no_change`` is set to the number of epochs so that early stopping
never ends the run (the best weights are still restored at the end).
"""

# %%
# Data
# ----
# Sonar from ``DROPOUTMLP_SONAR`` (breast cancer when there is none);
# ``DROPOUTMLP_DOCS_QUICK=1`` trains fewer epochs.
import os
from pathlib import Path

import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier
from dropoutmlp.datasets import load_sonar

QUICK = os.environ.get("DROPOUTMLP_DOCS_QUICK") == "1"
EPOCHS = 60 if QUICK else 300

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
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Three networks
# --------------
# The same 120-60 ReLU network trained by SGD with momentum 0.9: without
# regularisation, and with dropout 0.2 on the inputs, 0.5 after each hidden
# layer and max-norm 3, once at learning rate 0.03 and once at 0.1 (the
# article's "raise the learning rate" advice taken far).
common = dict(
    hidden_layer_sizes=(120, 60),
    kernel_initializer="normal",
    optimizer="sgd",
    momentum=0.9,
    alpha=0.0,
    batch_size=16,
    epochs=EPOCHS,
    early_stopping=True,
    validation_fraction=0.2,
    n_iter_no_change=EPOCHS,
    random_state=0,
)
dropout = dict(input_dropout=0.2, dropout=0.5, max_norm=3.0)
settings = {
    "no dropout, lr 0.03": dict(
        input_dropout=0.0, dropout=0.0, max_norm=None, learning_rate=0.03
    ),
    "dropout 0.2/0.5, lr 0.03": dict(**dropout, learning_rate=0.03),
    "dropout 0.2/0.5, lr 0.1": dict(**dropout, learning_rate=0.1),
}
fitted = {}
for label, params in settings.items():
    pipe = make_pipeline(StandardScaler(), DropoutMLPClassifier(**common, **params))
    fitted[label] = pipe.fit(X_train, y_train)
    net = pipe[-1]
    print(
        f"{label:<26} engine={net.engine_}  best validation accuracy "
        f"{100 * net.best_validation_score_:.1f}%  test accuracy "
        f"{100 * pipe.score(X_test, y_test):.1f}%"
    )

# %%
# The curves
# ----------
# Without dropout the training loss falls towards zero: the network
# memorises the training rows.  With dropout the training loss stays higher
# (it is measured with dropout active, on thinned networks) and falls more
# slowly; what matters is the validation accuracy on the right.  At learning
# rate 0.1 the dropout network does not train at all: its loss goes up, then
# sits at that of a constant prediction (about 0.69, log 2): the network
# predicts the majority class.  Its test accuracy above only looks
# reasonable because early stopping restored the weights of an epoch before
# the collapse; without early stopping, as in the cross-validation of the
# :doc:`/user_guide`, it scores the majority class rate.  With momentum 0.9,
# a learning rate of 0.1 is too high for 50% hidden dropout on this data.
# On a data set as small as Sonar the validation part holds only a few dozen
# rows, so the curves are noisy: one row is several points.
fig, (ax_loss, ax_val) = plt.subplots(1, 2, figsize=(10, 4.6), layout="constrained")
for label, pipe in fitted.items():
    net = pipe[-1]
    ax_loss.plot(net.loss_curve_, label=label)
    ax_val.plot([100 * s for s in net.validation_scores_], label=label)
ax_loss.set_yscale("log")
ax_loss.set_xlabel("epoch")
ax_loss.set_ylabel("training loss (log scale)")
ax_loss.set_title("loss_curve_")
ax_val.set_xlabel("epoch")
ax_val.set_ylabel("validation accuracy (%)")
ax_val.set_title("validation_scores_")
# One legend for both panels, below them: off the curves.
fig.legend(*ax_loss.get_legend_handles_labels(), loc="outside lower center", ncols=3)
fig.suptitle(f"{data_name}: 120-60 ReLU network, SGD with momentum 0.9")
