# ruff: noqa: F821 -- continues quickstart.py, which defines model, cv, X and y
from sklearn.model_selection import GridSearchCV

search = GridSearchCV(
    model,  # the pipeline above
    {
        "dropoutmlpclassifier__input_dropout": [0.0, 0.2],
        "dropoutmlpclassifier__dropout": [0.2, 0.5],
    },
    cv=cv,
)
search.fit(X, y)
print(search.best_params_)
print(f"best mean accuracy: {search.best_score_:.3f}")
