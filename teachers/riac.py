"""RIAC: Robust Intelligent Adaptive Curiosity, a region-tree learning-progress teacher.

Baranes & Oudeyer, "R-IAC: Robust intrinsically motivated exploration and active learning",
IEEE Transactions on Autonomous Mental Development, 2009; as implemented in teachDeepRL
(Portelas et al., CoRL 2019) and benchmarked in TeachMyAgent (Romac et al., ICML 2021).

The algorithm (TEACHERS.md section 4):

* The task space is covered by a tree of regions (boxes). Every leaf region keeps a window of
  its most recent ``(task, normalised return)`` pairs, in arrival order.
* A region's absolute learning progress is ``ALP = |mean(r of the newer half) - mean(r of the
  older half)|`` of its window (0 with 2 or fewer pairs). With ``n`` pairs the newer half is the
  last ``n // 2`` pairs and the older half the ``n - n // 2`` before them, as in teachDeepRL.
* When a leaf's window exceeds ``max_region_size`` pairs (200; TeachMyAgent 150), the teacher
  tries ``nb_split_attempts`` (50; TeachMyAgent 75) random cuts: a dimension drawn uniformly and a
  threshold drawn uniformly inside the region along it. Pairs with ``task[dim] < threshold`` go
  to the first child, the others to the second. A cut is valid when each child holds at least
  ``max_region_size / 20`` pairs and spans at least ``min_dims_range_ratio`` (1/15) of every
  dimension's range of the task space. Among the valid cuts the one maximising
  ``n1 * n2 * |ALP1 - ALP2|`` is kept (the first one on ties) and the leaf becomes two leaves
  that take its pairs. If no cut is valid, the oldest quarter of the window
  (``len(window) // 4`` pairs) is dropped.
* Sampling: with probability ``perturbed_task_ratio`` (0.1), a leaf is chosen with probability
  proportional to its ALP, the task of its window with the lowest return (the earliest on ties)
  is perturbed with ``N(0, (perturbation_std * range)^2)`` per dimension and clipped to that
  leaf; with probability ``random_task_ratio`` (0.2), a uniform task of the whole space;
  otherwise (0.7) a leaf chosen with probability proportional to its ALP and a uniform task in
  it. When every leaf has ALP 0 the leaf is chosen uniformly; a perturbation drawn from a leaf
  with an empty window (only the root before any feedback) is a uniform task of that leaf.

Differences from teachDeepRL, on purpose (the algorithm as published, made well defined):

* the split score uses the children's pair counts ``n1 * n2``; teachDeepRL multiplied the
  lengths of two-element lists, so its score was ``4 * |ALP1 - ALP2|``;
* the minimum extent is checked per dimension against that dimension's range; teachDeepRL
  compared every dimension with 1/15 of the largest range;
* only leaves hold windows and are sampled; teachDeepRL copied every pair into every ancestor;
* the perturbation std is a fraction of each dimension's range (teachDeepRL: an absolute 0.1).

``sampled_regions="all"`` restores teachDeepRL's and TeachMyAgent's default instead
(``sampling_in_leaves_only=False``): every region of the tree, the root and the regions already
split included, keeps a window of the last ``max_region_size + 1`` pairs that fell inside it
(its ALP from the last ``max_region_size``), a split region keeps its window, and the region and
perturbed modes choose among all regions in proportion to their ALP. The ``teachdeeprl`` and
``teachmyagent`` presets do so; sampling ancestors spreads the lessons over larger boxes, and on
the 2-D unlock grid it is, with TeachMyAgent's larger smallest extent (1/6), what brings RIAC from
above the reference's score down to it (docs/teachmyagent.md).

Lessons record ``origin`` ``"region"``, ``"random"`` or ``"perturbed"``, and for region and
perturbed lessons ``info["region"]``, the id of the region they came from.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.mixture import check_return_bounds, normalise_return
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import is_number

__all__ = ["RIAC", "RIAC_PRESETS", "region_alp"]

#: Named hyperparameter presets. ``teachdeeprl``: Baranes & Oudeyer 2009 as in teachDeepRL
#: (Portelas et al. 2019); ``teachmyagent``: the TeachMyAgent benchmark (Romac et al. 2021). Both
#: sample every region of the tree, as their code does (``sampling_in_leaves_only=False``), with
#: their own smallest region extents (teachDeepRL 1/15 of each range, TeachMyAgent's riac.py 1/6).
#: ``leaves``: TeachMyAgent's sizes sampling only the leaves, the better rule on the unlock grid
#: (docs/teachmyagent.md). The constructor's defaults are teachDeepRL's sizes, sampling the leaves.
RIAC_PRESETS: dict[str, dict[str, Any]] = {
    "teachdeeprl": {
        "max_region_size": 200,
        "nb_split_attempts": 50,
        "min_dims_range_ratio": 1 / 15,
        "sampled_regions": "all",
    },
    "teachmyagent": {
        "max_region_size": 150,
        "nb_split_attempts": 75,
        "min_dims_range_ratio": 1 / 6,
        "sampled_regions": "all",
    },
    "leaves": {"max_region_size": 150, "nb_split_attempts": 75, "min_dims_range_ratio": 1 / 6, "sampled_regions": "leaves"},
}

ORIGINS = ("region", "random", "perturbed")
SAMPLED_REGIONS = ("leaves", "all")


def region_alp(rewards: Sequence[float] | np.ndarray) -> float:
    """Absolute learning progress of a window of returns, oldest first (Baranes & Oudeyer 2009).

    ``|mean(last n // 2) - mean(the n - n // 2 before them)|``; 0 for 2 or fewer returns.
    """
    r = np.asarray(rewards, dtype=np.float64)
    n = r.shape[0]
    if n <= 2:
        return 0.0
    half = n // 2
    return float(abs(r[n - half :].mean() - r[: n - half].mean()))


def _is_int(value: Any) -> bool:
    return not isinstance(value, bool) and isinstance(value, (int, np.integer))


class RIAC(Teacher):
    """Robust Intelligent Adaptive Curiosity teacher (Baranes & Oudeyer 2009, as in teachDeepRL).

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace`.
    max_region_size:
        Window length of a region; a leaf exceeding it is split or trimmed (teachDeepRL: 200;
        TeachMyAgent: 150). Children of a split hold at least ``max_region_size / 20`` pairs.
    nb_split_attempts:
        Random cuts tried per split (teachDeepRL: 50; TeachMyAgent: 75).
    min_dims_range_ratio:
        Smallest extent of a child region along every dimension, as a fraction of the task
        space's range in that dimension (default 1/15).
    random_task_ratio:
        Probability of a uniform task over the whole space (default 0.2).
    perturbed_task_ratio:
        Probability of perturbing the lowest-return task of an ALP-chosen region (default 0.1).
    perturbation_std:
        Std of that perturbation as a fraction of each dimension's range (default 0.1).
    sampled_regions:
        ``"leaves"`` (default): only leaf regions hold windows and are sampled; ``"all"``: every
        region keeps a window and is sampled, as in teachDeepRL and TeachMyAgent.
    return_bounds:
        ``(low, high)`` raw returns mapped linearly to [0, 1] and clipped, as in ALP-GMM;
        BipedalWalker tracks use ``(-150, 350)``. ``None`` (default): returns are already in
        [0, 1] and anything else is rejected.
    seed:
        Seed of the teacher's generator.
    """

    name: ClassVar[str] = "riac"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = RIAC_PRESETS
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        max_region_size: int = 200,
        nb_split_attempts: int = 50,
        min_dims_range_ratio: float = 1 / 15,
        random_task_ratio: float = 0.2,
        perturbed_task_ratio: float = 0.1,
        perturbation_std: float = 0.1,
        sampled_regions: str = "leaves",
        return_bounds: tuple[float, float] | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.max_region_size = max_region_size
        self.nb_split_attempts = nb_split_attempts
        self.min_dims_range_ratio = min_dims_range_ratio
        self.random_task_ratio = random_task_ratio
        self.perturbed_task_ratio = perturbed_task_ratio
        self.perturbation_std = perturbation_std
        self.sampled_regions = sampled_regions
        self.return_bounds = return_bounds

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> RIAC:
        """Build with a named preset (``"teachdeeprl"``, ``"teachmyagent"`` or ``"leaves"``) and overrides."""
        if preset not in cls.PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(cls.PRESETS)}")
        return cls(task_space, **{**cls.PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        if not _is_int(self.max_region_size) or self.max_region_size < 2:
            raise ValueError(f"RIAC.max_region_size: expected an integer >= 2, got {self.max_region_size!r}")
        if not isinstance(self.sampled_regions, str) or self.sampled_regions not in SAMPLED_REGIONS:
            raise ValueError(f"RIAC.sampled_regions: got {self.sampled_regions!r}; allowed: {list(SAMPLED_REGIONS)}")
        if not _is_int(self.nb_split_attempts) or self.nb_split_attempts < 1:
            raise ValueError(f"RIAC.nb_split_attempts: expected a positive integer, got {self.nb_split_attempts!r}")
        for name in ("min_dims_range_ratio", "random_task_ratio", "perturbed_task_ratio"):
            v = getattr(self, name)
            if not is_number(v) or not 0.0 <= v <= 1.0:
                raise ValueError(f"RIAC.{name}: expected a number in [0, 1], got {v!r}")
        if self.random_task_ratio + self.perturbed_task_ratio > 1.0:
            raise ValueError(
                f"RIAC.random_task_ratio + perturbed_task_ratio: got {self.random_task_ratio!r} + "
                f"{self.perturbed_task_ratio!r} > 1; the two probabilities must sum to at most 1"
            )
        v = self.perturbation_std
        if not is_number(v) or not 0.0 <= v < np.inf:
            raise ValueError(f"RIAC.perturbation_std: expected a finite number >= 0, got {v!r}")
        self.bounds_ = check_return_bounds(self.return_bounds, "RIAC")
        self.min_region_pairs_ = self.max_region_size / 20
        self.min_extent_ = float(self.min_dims_range_ratio) * self.task_space.width

    def _init_state(self) -> None:
        d = self.task_space.dim
        # The tree: node i has bounds low_[i], high_[i]; internal nodes have a cut (dim, threshold)
        # and children; leaves have a window of (task, reward) pairs, oldest first.
        self.low_: list[np.ndarray] = [self.task_space.low.copy()]
        self.high_: list[np.ndarray] = [self.task_space.high.copy()]
        self.parent_: list[int] = [-1]
        self.cut_dim_: list[int] = [-1]
        self.cut_threshold_: list[float] = [0.0]
        self.children_: list[tuple[int, int] | None] = [None]
        self.tasks_: list[np.ndarray] = [np.empty((0, d))]
        self.rewards_: list[np.ndarray] = [np.empty(0)]
        self.alp_: list[float] = [0.0]
        self.n_splits_ = 0
        self.n_trims_ = 0
        self.origin_counts_ = dict.fromkeys(ORIGINS, 0)
        self._index_leaves()

    def _index_leaves(self) -> None:
        """The regions sampled (leaves, or all) in creation order, their ALPs as an array and positions."""
        every = self.sampled_regions == "all"
        self.pool_ids_ = [i for i, c in enumerate(self.children_) if every or c is None]
        self.pool_pos_ = {node: k for k, node in enumerate(self.pool_ids_)}
        self.pool_alp_ = np.array([self.alp_[i] for i in self.pool_ids_])

    def _set_alp(self, node: int, value: float) -> None:
        self.alp_[node] = value
        k = self.pool_pos_.get(node)
        if k is not None:
            self.pool_alp_[k] = value

    def _window_alp(self, rewards: np.ndarray) -> float:
        """A region's ALP: over the last ``max_region_size`` returns of its window."""
        return region_alp(rewards[-int(self.max_region_size) :])

    # ------------------------------------------------------------------ tree
    def leaves(self) -> list[int]:
        """Ids of the leaf regions, in creation order."""
        self._ensure_setup()
        return [i for i, c in enumerate(self.children_) if c is None]

    def region_of(self, task: Any) -> int:
        """Id of the leaf region holding ``task`` (``task[dim] < threshold`` goes to the first child)."""
        self._ensure_setup()
        x = self.task_space.check(task)
        node = 0
        while (children := self.children_[node]) is not None:
            node = children[0] if x[self.cut_dim_[node]] < self.cut_threshold_[node] else children[1]
        return node

    def _choose_leaf(self) -> int:
        leaves, alps = self.pool_ids_, self.pool_alp_
        total = alps.sum()
        if total > 0:
            return leaves[int(self.rng_.choice(len(leaves), p=alps / total))]
        return leaves[int(self.rng_.integers(len(leaves)))]

    def _best_cut(self, node: int) -> tuple[int, float, np.ndarray] | None:
        """Try ``nb_split_attempts`` random cuts of ``node``; return the best valid one or ``None``."""
        low, high = self.low_[node], self.high_[node]
        tasks, rewards = self.tasks_[node], self.rewards_[node]
        best: tuple[int, float, np.ndarray] | None = None
        best_score = -1.0
        for _ in range(int(self.nb_split_attempts)):
            dim = int(self.rng_.integers(self.task_space.dim))
            threshold = float(self.rng_.uniform(low[dim], high[dim]))
            left = tasks[:, dim] < threshold
            n1 = int(left.sum())
            n2 = rewards.shape[0] - n1
            wide_enough = (
                threshold - low[dim] >= self.min_extent_[dim] and high[dim] - threshold >= self.min_extent_[dim]
            )
            if not wide_enough or n1 < self.min_region_pairs_ or n2 < self.min_region_pairs_:
                continue
            score = n1 * n2 * abs(region_alp(rewards[left]) - region_alp(rewards[~left]))
            if score > best_score:
                best_score, best = score, (dim, threshold, left)
        return best

    def _split_or_trim(self, node: int) -> None:
        cut = self._best_cut(node)
        if cut is None:
            drop = self.rewards_[node].shape[0] // 4
            self.tasks_[node] = self.tasks_[node][drop:]
            self.rewards_[node] = self.rewards_[node][drop:]
            self._set_alp(node, self._window_alp(self.rewards_[node]))
            self.n_trims_ += 1
            return
        dim, threshold, left = cut
        first, second = len(self.low_), len(self.low_) + 1
        for mask, is_first in ((left, True), (~left, False)):
            low, high = self.low_[node].copy(), self.high_[node].copy()
            if is_first:
                high[dim] = threshold
            else:
                low[dim] = threshold
            self.low_.append(low)
            self.high_.append(high)
            self.parent_.append(node)
            self.cut_dim_.append(-1)
            self.cut_threshold_.append(0.0)
            self.children_.append(None)
            self.tasks_.append(self.tasks_[node][mask])
            self.rewards_.append(self.rewards_[node][mask])
            self.alp_.append(region_alp(self.rewards_[node][mask]))
        self.cut_dim_[node] = dim
        self.cut_threshold_[node] = threshold
        self.children_[node] = (first, second)
        if self.sampled_regions == "leaves":
            self.tasks_[node] = np.empty((0, self.task_space.dim))
            self.rewards_[node] = np.empty(0)
            self.alp_[node] = 0.0
        self.n_splits_ += 1
        self._index_leaves()

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        mode = self.rng_.random()
        if mode < self.perturbed_task_ratio:
            leaf = self._choose_leaf()
            rewards = self.rewards_[leaf]
            if rewards.shape[0] == 0:
                self.origin_counts_["region"] += 1
                return self.rng_.uniform(self.low_[leaf], self.high_[leaf]), "region", {"region": leaf}
            worst = self.tasks_[leaf][int(np.argmin(rewards))]
            noisy = self.rng_.normal(worst, float(self.perturbation_std) * self.task_space.width)
            self.origin_counts_["perturbed"] += 1
            # Clipping to the chosen region is part of the algorithm (teachDeepRL).
            return np.clip(noisy, self.low_[leaf], self.high_[leaf]), "perturbed", {"region": leaf}
        if mode < self.perturbed_task_ratio + self.random_task_ratio:
            self.origin_counts_["random"] += 1
            return self.task_space.sample(self.rng_), "random", {}
        leaf = self._choose_leaf()
        self.origin_counts_["region"] += 1
        return self.rng_.uniform(self.low_[leaf], self.high_[leaf]), "region", {"region": leaf}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        assert feedback.episode_return is not None
        r = normalise_return(feedback.episode_return, self.bounds_, "RIAC.update")
        task = np.asarray(lesson.task, dtype=np.float64)
        leaf = self.region_of(task)
        if self.sampled_regions == "all":  # the ancestors' windows roll over their last max_region_size + 1
            node = 0
            while (children := self.children_[node]) is not None:
                keep = int(self.max_region_size)
                self.tasks_[node] = np.concatenate([self.tasks_[node][-keep:], task[None, :]])
                self.rewards_[node] = np.append(self.rewards_[node][-keep:], r)
                self._set_alp(node, self._window_alp(self.rewards_[node]))
                node = children[0] if task[self.cut_dim_[node]] < self.cut_threshold_[node] else children[1]
        self.tasks_[leaf] = np.concatenate([self.tasks_[leaf], task[None, :]])
        self.rewards_[leaf] = np.append(self.rewards_[leaf], r)
        self._set_alp(leaf, self._window_alp(self.rewards_[leaf]))
        if self.rewards_[leaf].shape[0] > self.max_region_size:
            self._split_or_trim(leaf)

    def _metrics(self) -> dict[str, float]:
        alps = [self.alp_[i] for i in self.leaves()]
        out = {
            "n_regions": float(len(alps)),
            "n_splits": float(self.n_splits_),
            "n_trims": float(self.n_trims_),
            "mean_alp": float(np.mean(alps)),
            "max_alp": float(np.max(alps)),
        }
        out.update({f"origin/{k}": float(v) for k, v in self.origin_counts_.items()})
        return out

    def plot_data(self) -> dict[str, Any]:
        """Leaf regions (``low``, ``high`` per leaf, in task coordinates) with their ALP."""
        leaves = self.leaves()
        return {
            "low": np.array([self.low_[i] for i in leaves]),
            "high": np.array([self.high_[i] for i in leaves]),
            "alp": np.array([self.alp_[i] for i in leaves]),
        }

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        # Flat arrays (windows concatenated in node order, with their sizes) so that the state
        # compares and serialises as plain data.
        d = self.task_space.dim
        return {
            "low": np.array(self.low_),
            "high": np.array(self.high_),
            "parent": np.array(self.parent_, dtype=np.int64),
            "cut_dim": np.array(self.cut_dim_, dtype=np.int64),
            "cut_threshold": np.array(self.cut_threshold_, dtype=np.float64),
            "children": np.array([(-1, -1) if c is None else c for c in self.children_], dtype=np.int64),
            "window_sizes": np.array([r.shape[0] for r in self.rewards_], dtype=np.int64),
            "window_tasks": np.concatenate(self.tasks_) if self.tasks_ else np.empty((0, d)),
            "window_rewards": np.concatenate(self.rewards_),
            "n_splits": self.n_splits_,
            "n_trims": self.n_trims_,
            "origin_counts": dict(self.origin_counts_),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(
            ["low", "high", "parent", "cut_dim", "cut_threshold", "children", "window_sizes", "window_tasks"]
            + ["window_rewards", "n_splits", "n_trims", "origin_counts"]
        )
        space, d = self.task_space, self.task_space.dim
        low = r.array("low", "f", (None, d), space.low, space.high)
        m = low.shape[0]
        high = r.array("high", "f", (m, d), low, space.high)
        parent = r.array("parent", "i", (m,), -1, m - 1)
        cut_dim = r.array("cut_dim", "i", (m,), -1, d - 1)
        cut_threshold = r.array("cut_threshold", "f", (m,))
        children = r.array("children", "i", (m, 2), -1, m - 1)
        every = self.sampled_regions == "all"  # split regions keep up to max_region_size + 1 pairs
        sizes = r.array("window_sizes", "i", (m,), 0, int(self.max_region_size) + int(every))
        internal = children[:, 0] >= 0
        if (
            np.any(internal != (children[:, 1] >= 0))
            or np.any(internal != (cut_dim >= 0))
            or (not every and np.any(sizes[internal]))
        ):
            raise ValueError(
                f"{r.where('children')}: the tree is inconsistent (every internal region needs two children and a "
                "cut dimension and, unless sampled_regions='all', holds no window; every leaf has neither)"
            )
        total = int(sizes.sum())
        tasks = r.array("window_tasks", "f", (total, d), space.low, space.high)
        rewards = r.array("window_rewards", "f", (total,), 0.0, 1.0)  # normalised returns
        self.n_splits_ = r.int("n_splits", (m - 1) // 2, (m - 1) // 2)
        if m != 1 + 2 * self.n_splits_:
            raise ValueError(f"{r.where('low')}: {m} regions; a tree grown by splits has an odd number")
        self.n_trims_ = r.int("n_trims")
        self.origin_counts_ = r.counts("origin_counts", ORIGINS, total=self.n_sampled_)
        self.low_ = list(low)
        self.high_ = list(high)
        self.parent_ = [int(v) for v in parent]
        self.cut_dim_ = [int(v) for v in cut_dim]
        self.cut_threshold_ = [float(v) for v in cut_threshold]
        self.children_ = [None if c[0] < 0 else (int(c[0]), int(c[1])) for c in children]
        ends = np.cumsum(sizes)
        starts = ends - sizes
        self.tasks_ = [tasks[a:b].copy() for a, b in zip(starts, ends, strict=True)]
        self.rewards_ = [rewards[a:b].copy() for a, b in zip(starts, ends, strict=True)]
        self.alp_ = [self._window_alp(w) for w in self.rewards_]
        self._index_leaves()
