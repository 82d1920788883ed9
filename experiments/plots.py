"""Plots without plotting libraries: raster task-space images and SVG learning curves.

* :func:`task_space_image` draws a 2-D task space as an RGB array for TensorBoard: recent tasks
  coloured by a value (learning progress, regret score, return) and, when the teacher has a
  mixture model, its components as 2-sigma ellipses.
* :func:`learning_curves_svg` draws mean +- std curves per teacher over steps, for ``report``.
* :func:`level_mosaic` draws maze levels (walls, goal, agent) side by side as one RGB array,
  for TensorBoard images of the levels a curriculum proposes.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

import numpy as np

from autocurriculum.teachers.levels import MazeLevel, level_grid

__all__ = ["learning_curves_svg", "level_image", "level_mosaic", "task_space_image"]

#: Colours of :func:`level_image` by cell code of :func:`~autocurriculum.teachers.levels.level_grid`
#: (empty, wall, goal, agent), and of the border.
_LEVEL_COLOURS = np.array([[16, 16, 16], [140, 140, 140], [40, 200, 60], [230, 40, 40]], dtype=np.uint8)
_BORDER = np.array([90, 90, 90], dtype=np.uint8)

# A perceptually ordered dark-blue -> green -> yellow ramp (anchors of the viridis map).
_RAMP = np.array(
    [[68, 1, 84], [59, 82, 139], [33, 145, 140], [94, 201, 98], [253, 231, 37]],
    dtype=np.float64,
)
_PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _colour(values: np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 1.0)
    t = (v - lo) / (hi - lo) if hi > lo else np.zeros_like(v)
    pos = t * (len(_RAMP) - 1)
    i = np.minimum(pos.astype(int), len(_RAMP) - 2)
    frac = (pos - i)[:, None]
    return ((1 - frac) * _RAMP[i] + frac * _RAMP[i + 1]).astype(np.uint8)


def task_space_image(
    tasks: np.ndarray,
    values: np.ndarray,
    low: Sequence[float],
    high: Sequence[float],
    *,
    means: np.ndarray | None = None,
    covariances: np.ndarray | None = None,
    size: int = 256,
) -> np.ndarray:
    """An ``(size, size, 3)`` uint8 image of tasks (first two dimensions) coloured by ``values``.

    Low values are dark blue, high values yellow. ``means``/``covariances`` (task coordinates)
    add red 2-sigma ellipses. The vertical axis points up.
    """
    img = np.full((size, size, 3), 255, dtype=np.uint8)
    img[[0, -1], :] = 0
    img[:, [0, -1]] = 0
    low_arr, high_arr = np.asarray(low, dtype=np.float64)[:2], np.asarray(high, dtype=np.float64)[:2]
    width = np.where(high_arr > low_arr, high_arr - low_arr, 1.0)

    def to_pixels(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        unit = (points[:, :2] - low_arr) / width
        cols = np.clip((unit[:, 0] * (size - 1)).round().astype(int), 0, size - 1)
        rows = np.clip(((1 - unit[:, 1]) * (size - 1)).round().astype(int), 0, size - 1)
        return rows, cols

    tasks = np.asarray(tasks, dtype=np.float64).reshape(len(tasks), -1)
    if tasks.shape[0]:
        if tasks.shape[1] == 1:
            tasks = np.column_stack([tasks[:, 0], np.full(len(tasks), (low_arr[0] + high_arr[0]) / 2)])
            low_arr = np.array([low_arr[0], low_arr[0]])
            width = np.array([width[0], width[0]])
        rows, cols = to_pixels(tasks)
        colours = _colour(values)
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                img[np.clip(rows + dr, 0, size - 1), np.clip(cols + dc, 0, size - 1)] = colours
    if means is not None and covariances is not None:
        angles = np.linspace(0, 2 * np.pi, 720)
        circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
        for mean, cov in zip(np.asarray(means), np.asarray(covariances), strict=True):
            c2 = np.asarray(cov)[:2, :2]
            vals, vecs = np.linalg.eigh(c2)
            ellipse = mean[:2] + 2.0 * (circle * np.sqrt(np.maximum(vals, 0))) @ vecs.T
            rows, cols = to_pixels(ellipse)
            img[rows, cols] = (220, 20, 20)
    return img


def learning_curves_svg(
    curves: dict[str, tuple[Sequence[float], Sequence[float], Sequence[float]]],
    *,
    title: str,
    x_label: str,
    y_label: str,
    width: int = 720,
    height: int = 420,
) -> str:
    """An SVG document with one line (mean) and band (+- std) per label: ``{label: (x, mean, std)}``."""
    left, right, top, bottom = 70, 170, 40, 55
    pw, ph = width - left - right, height - top - bottom
    xs = [float(v) for x, _, _ in curves.values() for v in x] or [0.0, 1.0]
    lows = [float(m - s) for _, mean, std in curves.values() for m, s in zip(mean, std, strict=True)]
    highs = [float(m + s) for _, mean, std in curves.values() for m, s in zip(mean, std, strict=True)]
    x0, x1 = min(xs), max(xs)
    y0, y1 = min([0.0, *lows]), max([1.0, *highs])
    if x1 == x0:
        x1 = x0 + 1.0

    def px(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * pw

    def py(y: float) -> float:
        return top + (1 - (y - y0) / (y1 - y0)) * ph

    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{left + pw / 2}" y="22" text-anchor="middle" font-size="15">{html.escape(title)}</text>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="black"/>',
    ]
    for i in range(6):
        xv = x0 + (x1 - x0) * i / 5
        yv = y0 + (y1 - y0) * i / 5
        out.append(f'<line x1="{px(xv):.1f}" y1="{top + ph}" x2="{px(xv):.1f}" y2="{top + ph + 5}" stroke="black"/>')
        out.append(f'<text x="{px(xv):.1f}" y="{top + ph + 18}" text-anchor="middle">{xv:.4g}</text>')
        out.append(f'<line x1="{left - 5}" y1="{py(yv):.1f}" x2="{left}" y2="{py(yv):.1f}" stroke="black"/>')
        out.append(f'<text x="{left - 8}" y="{py(yv) + 4:.1f}" text-anchor="end">{yv:.3g}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 12}" text-anchor="middle">{html.escape(x_label)}</text>')
    out.append(
        f'<text x="18" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 18 {top + ph / 2})">'
        f"{html.escape(y_label)}</text>"
    )
    for k, (label, (x, mean, std)) in enumerate(curves.items()):
        colour = _PALETTE[k % len(_PALETTE)]
        pts_hi = [f"{px(float(a)):.1f},{py(float(m + s)):.1f}" for a, m, s in zip(x, mean, std, strict=True)]
        pts_lo = [f"{px(float(a)):.1f},{py(float(m - s)):.1f}" for a, m, s in zip(x, mean, std, strict=True)]
        if pts_hi:
            out.append(f'<polygon points="{" ".join(pts_hi + pts_lo[::-1])}" fill="{colour}" fill-opacity="0.18"/>')
            line = " ".join(f"{px(float(a)):.1f},{py(float(m)):.1f}" for a, m in zip(x, mean, strict=True))
            out.append(f'<polyline points="{line}" fill="none" stroke="{colour}" stroke-width="2"/>')
        ly = top + 14 + 20 * k
        out.append(
            f'<line x1="{left + pw + 12}" y1="{ly}" x2="{left + pw + 32}" y2="{ly}" stroke="{colour}" stroke-width="3"/>'
        )
        out.append(f'<text x="{left + pw + 38}" y="{ly + 4}">{html.escape(label)}</text>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


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
