"""Figures drawn with matplotlib (headless: an Agg canvas, never pyplot or a global backend).

* :func:`task_space_figure`: the teacher's view of a :class:`~autocurriculum.teachers.BoxSpace`:
  recent tasks (first two dimensions, named axes, the space's bounds) coloured by what the
  teacher ranks them by (learning progress, regret score, return) with a colour bar that names
  it, on a fixed scale (:class:`ColourScale`) so that images of different runs and steps compare;
  the mixture of GMM teachers as 2-sigma ellipses; the regions of RIAC as rectangles.
* :func:`levels_figure`: the same for a :class:`~autocurriculum.teachers.DiscreteSpace`: the value
  of each level, with rendered levels beside it where the caller has renders.
* :func:`learning_curves_figure`: report curves (a centre line and a band per teacher) with
  engineering tick labels (``10k``, ``1.5M``) and the legend below the axes, never cut off.
* :func:`figure_to_array` (an RGB array for TensorBoard) and :func:`save_figure` (PNG and SVG).
* :func:`level_mosaic`: maze levels (walls, goal, agent) side by side as one RGB array, for
  TensorBoard images of the levels a curriculum proposes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from autocurriculum.teachers.levels import MazeLevel, level_grid

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from autocurriculum.teachers.spaces import BoxSpace

#: Colours of :func:`level_image` by cell code of :func:`~autocurriculum.teachers.levels.level_grid`
#: (empty, wall, goal, agent), and of the border.
_LEVEL_COLOURS = np.array([[16, 16, 16], [140, 140, 140], [40, 200, 60], [230, 40, 40]], dtype=np.uint8)
_BORDER = np.array([90, 90, 90], dtype=np.uint8)

__all__ = [
    "ColourScale",
    "figure_to_array",
    "learning_curves_figure",
    "level_image",
    "level_mosaic",
    "levels_figure",
    "save_figure",
    "task_space_figure",
]


@dataclass(frozen=True)
class ColourScale:
    """What a colour means and its fixed range: ``label`` on the colour bar, ``[vmin, vmax]``.

    ``gamma < 1`` spreads small values (learning progress is mostly near 0) while keeping the
    range fixed; values outside the range take the end colours (the colour bar shows arrows).
    """

    label: str
    vmin: float
    vmax: float
    gamma: float = 1.0

    def norm(self) -> Any:
        from matplotlib.colors import Normalize, PowerNorm

        if self.gamma != 1.0:
            return PowerNorm(self.gamma, vmin=self.vmin, vmax=self.vmax, clip=False)
        return Normalize(vmin=self.vmin, vmax=self.vmax, clip=False)


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _colour_bar(fig: Figure, mappable: Any, ax: Any, scale: ColourScale) -> None:
    bar = fig.colorbar(mappable, ax=ax, extend="both")
    bar.set_label(scale.label)


def task_space_figure(
    space: BoxSpace,
    tasks: np.ndarray,
    values: np.ndarray,
    scale: ColourScale,
    *,
    means: np.ndarray | None = None,
    covariances: np.ndarray | None = None,
    regions: tuple[np.ndarray, np.ndarray] | None = None,
    title: str = "",
) -> Figure:
    """Tasks of a box coloured by ``values`` on ``scale``; optional mixture and regions.

    Parameters
    ----------
    space
        The task space: its names label the axes and its bounds are the axis limits.
    tasks, values
        ``(n, dim)`` tasks and their ``(n,)`` values (ignored when ``regions`` are given).
    means, covariances
        A Gaussian mixture in task coordinates (``(k, dim)``, ``(k, dim, dim)``), drawn as
        2-sigma ellipses of the first two dimensions.
    regions
        ``(low, high)``, each ``(m, dim)``: boxes (RIAC's leaves) filled with the colour of
        ``values`` (``(m,)``).
    """
    from matplotlib import colormaps
    from matplotlib.patches import Ellipse, Rectangle

    fig = _figure(6.4, 4.8)
    ax = fig.add_subplot()
    low, high = np.asarray(space.low, dtype=np.float64), np.asarray(space.high, dtype=np.float64)
    names = list(space.names)
    tasks = np.asarray(tasks, dtype=np.float64).reshape(len(tasks), space.dim)
    values = np.asarray(values, dtype=np.float64)
    norm, cmap = scale.norm(), colormaps["viridis"]
    if space.dim == 1:
        ax.scatter(tasks[:, 0], values, c=values, cmap=cmap, norm=norm, s=12)
        ax.set_xlim(low[0], high[0])
        ax.set_xlabel(names[0])
        ax.set_ylabel(scale.label)
        mappable = ax.collections[0] if ax.collections else None
    else:
        if regions is not None:
            r_low, r_high = (np.asarray(a, dtype=np.float64) for a in regions)
            for lo, hi, v in zip(r_low, r_high, values, strict=True):
                ax.add_patch(Rectangle((lo[0], lo[1]), hi[0] - lo[0], hi[1] - lo[1], color=cmap(norm(v)), ec="white"))
        else:
            ax.scatter(tasks[:, 0], tasks[:, 1], c=values, cmap=cmap, norm=norm, s=10, linewidths=0)
        if means is not None and covariances is not None:
            for k, (mean, cov) in enumerate(zip(np.asarray(means), np.asarray(covariances), strict=True)):
                vals, vecs = np.linalg.eigh(np.asarray(cov)[:2, :2])
                angle = float(np.degrees(np.arctan2(vecs[1, 1], vecs[0, 1])))
                w, h = 4.0 * np.sqrt(np.maximum(vals[::-1], 0.0))
                ax.add_patch(
                    Ellipse(
                        (mean[0], mean[1]), w, h, angle=angle, fill=False, ec="tab:red", lw=1.5,
                        label="GMM components (2 sigma)" if k == 0 else None,
                    )
                )
            ax.legend(loc="upper right", fontsize="small")
        ax.set_xlim(low[0], high[0])
        ax.set_ylim(low[1], high[1])
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        if space.dim > 2:
            ax.set_title(f"first two of {space.dim} dimensions", fontsize="small", loc="right")
        from matplotlib.cm import ScalarMappable

        mappable = ScalarMappable(norm=norm, cmap=cmap)
    if title:
        fig.suptitle(title)
    if mappable is not None:
        _colour_bar(fig, mappable, ax, scale)
    return fig


def levels_figure(
    levels: Sequence[int],
    values: np.ndarray,
    scale: ColourScale,
    *,
    renders: Sequence[np.ndarray] | None = None,
    title: str = "",
    max_renders: int = 8,
) -> Figure:
    """Discrete levels: a bar per level coloured by its value; renders of the top levels beside it.

    ``renders`` (RGB arrays, one per level, in ``levels`` order) are shown for the
    ``max_renders`` levels of highest value, each titled with its id and value.
    """
    from matplotlib import colormaps

    values = np.asarray(values, dtype=np.float64)
    norm, cmap = scale.norm(), colormaps["viridis"]
    n_render = min(max_renders, len(levels)) if renders is not None else 0
    fig = _figure(6.4 + 1.6 * min(n_render, 4), 4.8)
    grid = fig.add_gridspec(2, 1 + min(n_render, 4) if n_render else 1)
    ax = fig.add_subplot(grid[:, 0])
    order = np.argsort(np.asarray(levels))
    ax.bar(np.arange(len(levels)), values[order], color=cmap(norm(values[order])))
    ax.set_xlabel(f"{len(levels)} levels, by id")
    ax.set_ylabel(scale.label)
    ax.set_ylim(min(scale.vmin, 0.0), scale.vmax)
    if renders is not None and n_render:
        top = np.argsort(-values)[:n_render]
        for j, i in enumerate(top):
            sub = fig.add_subplot(grid[j // 4, 1 + j % 4])
            sub.imshow(renders[i])
            sub.set_title(f"level {levels[i]}: {values[i]:.3g}", fontsize="small")
            sub.set_axis_off()
    from matplotlib.cm import ScalarMappable

    _colour_bar(fig, ScalarMappable(norm=norm, cmap=cmap), ax, scale)
    if title:
        fig.suptitle(title)
    return fig


def learning_curves_figure(
    curves: dict[str, tuple[Sequence[float], Sequence[float], Sequence[float], Sequence[float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
) -> Figure:
    """One line and band per label: ``{label: (x, centre, band_low, band_high)}``.

    Ticks use engineering notation on x (``250k``, ``1.5M``) and plain numbers on y; the legend
    sits below the axes with one entry per line, so long labels are never cut off.
    """
    from matplotlib.ticker import EngFormatter, MaxNLocator, ScalarFormatter

    fig = _figure(7.2, 4.8)
    ax = fig.add_subplot()
    for label, (x, centre, lo, hi) in curves.items():
        (line,) = ax.plot(x, centre, lw=2, label=label, marker="o" if len(x) == 1 else None)
        ax.fill_between(x, lo, hi, color=line.get_color(), alpha=0.2, lw=0)
    ax.xaxis.set_major_formatter(EngFormatter(sep=""))
    ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    y_format = ScalarFormatter(useOffset=False)
    y_format.set_scientific(False)
    ax.yaxis.set_major_formatter(y_format)
    ax.set_xlabel(x_label)
    ax.set_ylabel(y_label)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    fig.legend(loc="outside lower center", ncols=1 if len(curves) > 3 else len(curves), fontsize="small")
    return fig


def figure_to_array(fig: Figure) -> np.ndarray:
    """The rendered figure as an ``(height, width, 3)`` uint8 array (for ``add_image(..., dataformats="HWC")``)."""
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[:, :, :3].copy()


def save_figure(fig: Figure, path: Path) -> list[Path]:
    """Write ``path`` with its suffix's format, and the other of PNG/SVG beside it; return both paths."""
    path = Path(path)
    if path.suffix not in (".png", ".svg"):
        raise ValueError(f"plot path {str(path)!r}: expected a .png or .svg file")
    other = path.with_suffix(".svg" if path.suffix == ".png" else ".png")
    from matplotlib import rc_context

    with rc_context({"svg.fonttype": "none"}):  # SVG text stays text: searchable and editable
        for p in (path, other):
            fig.savefig(p, dpi=150 if p.suffix == ".png" else None)
    return [path, other]


def level_image(level: MazeLevel, cell: int = 6) -> np.ndarray:
    """A maze level as an ``((N + 2) * cell, (N + 2) * cell, 3)`` uint8 image, border included.

    Dark cells are free, grey cells walls, the green cell the goal, the red cell the agent's start.
    """
    grid = level_grid(level)
    img = np.empty((level.size + 2, level.size + 2, 3), dtype=np.uint8)
    img[:] = _BORDER
    img[1:-1, 1:-1] = _LEVEL_COLOURS[grid]
    return np.repeat(np.repeat(img, cell, axis=0), cell, axis=1)


def level_mosaic(levels: Sequence[MazeLevel], columns: int = 8, cell: int = 6, gap: int = 4) -> np.ndarray:
    """Levels side by side, ``columns`` per row, each in a tile of the largest level's size (HWC uint8)."""
    if not levels:
        raise ValueError("level_mosaic: expected at least one level")
    tiles = [level_image(lv, cell) for lv in levels]
    side = max(t.shape[0] for t in tiles)
    cols = min(columns, len(tiles))
    rows = -(-len(tiles) // cols)
    out = np.full((rows * (side + gap) + gap, cols * (side + gap) + gap, 3), 255, dtype=np.uint8)
    for i, tile in enumerate(tiles):
        r, c = divmod(i, cols)
        y, x = gap + r * (side + gap), gap + c * (side + gap)
        out[y : y + tile.shape[0], x : x + tile.shape[1]] = tile
    return out
