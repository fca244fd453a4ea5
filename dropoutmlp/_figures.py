"""Matplotlib figures of the command line's results.

Each function takes plain values and returns a
:class:`matplotlib.figure.Figure` built without pyplot, so nothing global
changes; save it with ``fig.savefig(path)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from ._experiments import format_value


def _figure(size: tuple[float, float] = (6.4, 4.8)):
    from matplotlib.figure import Figure

    return Figure(figsize=size, layout="constrained")


def compare_box_plot(
    scores: Mapping[str, Sequence[float]],
    *,
    title: str,
    article_means: Mapping[str, float] | None = None,
):
    """Box plot of each model's fold accuracies (%), with the article's means.

    Parameters
    ----------
    scores : mapping of str to sequence of float
        Fold accuracies in percent, by model.
    title : str
        The axes title.
    article_means : mapping of str to float, optional
        The article's mean accuracy (%) of each model, drawn as red diamonds.
    """
    fig = _figure()
    ax = fig.add_subplot()
    names = list(scores)
    positions = np.arange(1, len(names) + 1)
    ax.boxplot([np.asarray(scores[n]) for n in names], positions=positions)
    ax.set_xticks(positions, names)
    if article_means is not None:
        ax.scatter(
            positions,
            [article_means[n] for n in names],
            marker="D",
            color="tab:red",
            zorder=3,
            label="the article's mean",
        )
        # Below the axes: the boxes use the whole height.
        fig.legend(loc="outside lower center")
    ax.set_xlabel("model")
    ax.set_ylabel("fold accuracy (%)")
    ax.set_title(title)
    return fig


def grid_heatmap(
    row_values: Sequence,
    col_values: Sequence,
    scores: np.ndarray,
    single_class: np.ndarray,
    *,
    title: str,
    row_label: str = "input_dropout",
    col_label: str = "dropout (after each hidden layer)",
):
    """Heatmap of mean CV accuracy (%) over two parameters.

    The best cell gets a red frame; cells whose candidate predicted a single
    class on some fold are hatched.  A legend under the axes says so.

    Parameters
    ----------
    row_values, col_values : sequence
        The values of the parameters of the rows and the columns (numbers,
        or names such as ``"concrete"``).
    scores : ndarray of shape (n_rows, n_cols)
        Mean accuracy (%) of each cell; NaN for a missing one.
    single_class : ndarray of bool, shape (n_rows, n_cols)
        Whether the cell's candidate collapsed to a single class on a fold.
    title : str
        The axes title.
    row_label, col_label : str
        The axis labels.
    """
    from matplotlib.patches import Patch, Rectangle

    scores = np.asarray(scores, dtype=float)
    fig = _figure((6.4, 5.2))
    ax = fig.add_subplot()
    image = ax.imshow(scores, cmap="viridis", origin="lower", aspect="auto")
    low, high = np.nanmin(scores), np.nanmax(scores)
    for i, j in np.ndindex(scores.shape):
        if np.isnan(scores[i, j]):
            continue
        # Dark text on the bright (high) end of viridis, light on the dark.
        bright = high > low and (scores[i, j] - low) / (high - low) > 0.6
        ax.text(
            j,
            i,
            f"{scores[i, j]:.1f}",
            ha="center",
            va="center",
            color="black" if bright else "white",
        )
        if single_class[i, j]:
            ax.add_patch(
                Rectangle(
                    (j - 0.5, i - 0.5),
                    1,
                    1,
                    fill=False,
                    hatch="//",
                    edgecolor="white",
                    lw=0,
                )
            )
    best_i, best_j = np.unravel_index(np.nanargmax(scores), scores.shape)
    ax.add_patch(
        Rectangle(
            (best_j - 0.5, best_i - 0.5), 1, 1, fill=False, edgecolor="red", lw=2.5
        )
    )
    handles = [Patch(fill=False, edgecolor="red", lw=2.5, label="best mean accuracy")]
    if np.any(single_class):
        handles.append(
            Patch(
                facecolor="0.4",
                hatch="//",
                edgecolor="white",
                label="predicts a single class on some folds",
            )
        )
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    ax.set_xticks(range(len(col_values)), [format_value(c) for c in col_values])
    ax.set_yticks(range(len(row_values)), [format_value(r) for r in row_values])
    ax.set_xlabel(col_label)
    ax.set_ylabel(row_label)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="mean CV accuracy (%)")
    return fig


def grid_cells(
    params: Sequence[Mapping],
    means: Sequence[float],
    single_class: Sequence[bool],
    *,
    rows: str = "input_dropout",
    cols: str = "dropout",
):
    """The heatmap's cells from a grid's candidates.

    Where other parameters vary too, a cell shows the best candidate with
    its row and column values.  Returns ``(row_values, col_values, scores,
    single_class)`` for :func:`grid_heatmap`.
    """
    row_values = list(dict.fromkeys(p[rows] for p in params))
    col_values = list(dict.fromkeys(p[cols] for p in params))
    scores = np.full((len(row_values), len(col_values)), np.nan)
    flags = np.zeros(scores.shape, dtype=bool)
    for p, mean, single in zip(params, means, single_class, strict=True):
        i, j = row_values.index(p[rows]), col_values.index(p[cols])
        if np.isnan(scores[i, j]) or mean > scores[i, j]:
            scores[i, j], flags[i, j] = mean, single
    return row_values, col_values, scores, flags
