from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from dropoutmlp import DropoutMLPClassifier

X, y = load_breast_cancer(return_X_y=True)
model = make_pipeline(
    StandardScaler(),  # networks want standardised inputs
    DropoutMLPClassifier(
        hidden_layer_sizes=(60, 30),
        input_dropout=0.2,  # dropout on the inputs
        dropout=0.2,  # dropout after each hidden layer
        max_norm=3.0,  # max-norm constraint on each hidden unit
        random_state=0,
    ),
)
cv = StratifiedKFold(5, shuffle=True, random_state=0)
scores = cross_val_score(model, X, y, cv=cv)
print(f"accuracy: {scores.mean():.3f} (std {scores.std():.3f}) over 5 folds")
