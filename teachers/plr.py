"""Regret-based teachers: Prioritized Level Replay, Robust PLR and ACCEL, as one class.

References
----------
* Jiang, Grefenstette & Rocktäschel, "Prioritized Level Replay", ICML 2021 (PLR).
* Jiang, Dennis, Parker-Holder, Foerster, Grefenstette & Rocktäschel, "Replay-Guided
  Adversarial Environment Design", NeurIPS 2021 (Robust PLR, PLR-perp).
* Parker-Holder, Jiang, Dennis, Samvelyan, Foerster, Grefenstette & Rocktäschel, "Evolving
  Curricula with Regret-Based Environment Design", ICML 2022 (ACCEL).

The algorithm (TEACHERS.md section 6)
-------------------------------------
The teacher keeps a buffer of at most ``buffer_size`` levels (tasks of a
:class:`~autocurriculum.teachers.spaces.BoxSpace`, ids of a :class:`~autocurriculum.teachers.spaces.DiscreteSpace`, such as
seeds, or structured levels of a :class:`~autocurriculum.teachers.levels.MazeLevelSpace`), each with a score ``S_i`` and the episode count ``C_i`` at which it was last sampled.
Each :meth:`~autocurriculum.teachers.base.Teacher.sample` is one of:

* **edit** (ACCEL): right after a replay, with probability ``edit_prob``, the next lesson is a
  child of the replayed level: ``num_edits`` edits; over a box each picks a dimension uniformly
  and moves it by ``+-edit_step`` times the dimension's range, clipped to the box; over a level
  space each is the space's own edit (:meth:`MazeLevelSpace.edit
  <autocurriculum.teachers.levels.MazeLevelSpace.edit>`: add or remove a wall, move the goal);
* **replay**: with probability ``replay_prob`` once the buffer holds at least ``min_fill`` of its
  capacity (``replay_prob=None``: the original PLR schedule, replay with probability equal to
  the fraction of the buffer filled), a level is drawn from
  ``P = (1 - rho) * P_S + rho * P_C``:

  - rank prioritisation: ``h_i = 1 / rank(S_i)`` (rank 1 = highest score),
    ``P_S(i) = h_i^(1/beta) / sum_j h_j^(1/beta)``;
  - power prioritisation: ``h_i = max(S_i, 0) + eps`` (``eps`` = :data:`POWER_EPS`), same
    normalisation;
  - staleness: ``P_C(i) = (c - C_i) / sum_j (c - C_j)`` with ``c`` the current episode count;

* **new**: a level from the generator, uniform over the task space (or an initial Gaussian
  over a box, as TeachMyAgent's expert knowledge); over a discrete space, uniform over the ids
  not in the buffer.

Feedback carries the learner's per-episode regret score (:attr:`Feedback.score`). A replayed
level's score becomes ``(1 - alpha) * S_i + alpha * score`` (``alpha = 1``: the newest score).
A new or edited level enters the buffer when the buffer is not full, or when its score is at
least the lowest score in the buffer, which it replaces (among equal lowest scores, the stalest
level goes). Each level records its lineage: its parent's level id and its generation (0 for
generated levels, parent + 1 for edits).

The contract with the student
-----------------------------
Every lesson names its origin and tells the student whether to learn from the episode:

* ``"new"``: a level from the generator; ``info["train"]`` is ``not robust`` (False for
  Robust PLR and ACCEL: exploratory levels are only scored);
* ``"replay"``: a level drawn from the buffer; ``info["train"]`` is True;
* ``"edit"``: an ACCEL child of the level replayed just before; ``info["train"]`` is False
  (children are only scored).

A student honouring the protocol (``students/sb3.py``) plays every lesson, computes the
episode's regret score from its value estimates (positive value loss, L1 value loss or MaxMC;
the score functions live with the student), reports ``Feedback(score=..., episode_return=...)``
for the lesson, and takes gradient steps only on transitions of lessons with
``info["train"] == True``. Episodes of ``train=False`` lessons are collected and scored but
masked out of the policy update (Robust PLR's "no gradient on exploratory levels").

``info`` also holds ``"level"`` (a level id unique over the run; the buffer is keyed by it, so a
report about a level evicted since its lesson was sampled is recognised and ignored),
``"slot"`` (the level's buffer slot when the lesson was sampled, ``None`` for new and edited
levels), ``"parent"`` (the parent's level id or ``None``), ``"generation"`` and, for edits,
``"edits"`` (a list of ``[dimension, sign]``).

Reports may arrive in any order and several per lesson (several episodes on the same level):
every report applies the update rule above to the level the lesson names
(``reports_per_lesson = "many"``; the other teachers take one report per lesson). Lessons that did not
come from :meth:`sample` (``Lesson(task=...)``) are treated as new levels.

Staleness counts lessons handed out: ``c`` is the number of lessons sampled so far and ``C_i``
the id of the last lesson that sampled level ``i`` (one lesson is one episode). It therefore
does not depend on the order in which reports arrive.

Implementation notes
--------------------
* Ties in rank prioritisation are broken by buffer slot (lower slot, better rank), so the
  distribution is a deterministic function of the buffer.
* Over a discrete space the buffer's capacity is ``min(buffer_size, n)``; once it holds every
  id, every lesson is a replay (there is no unseen level left), as in the reference's
  finite-seed schedule. A new lesson whose id entered the buffer meanwhile updates that entry.
* Editing is defined for box and level spaces; ``edit_prob > 0`` over a discrete space is an
  error.
* Over a level space the buffer and the state dict hold levels as their integer encodings
  (:meth:`MazeLevelSpace.encode <autocurriculum.teachers.levels.MazeLevelSpace.encode>`), and
  lessons carry the decoded :class:`~autocurriculum.teachers.levels.MazeLevel`.
* ACCEL edits the levels of a finished replay rollout; here the child is proposed as the lesson
  right after the replay, without waiting for the replay's report. Edits are random and do not
  read the parent's score, so the children are distributed alike; with parallel workers the
  child may simply be played while its parent's episode is still running.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.levels import MazeLevelSpace, check_rows, row_task, task_row
from autocurriculum.teachers.random_teacher import gaussian_params
from autocurriculum.teachers.spaces import BoxSpace, DiscreteSpace, TaskSpace
from autocurriculum.teachers.validation import describe, is_int, is_number, real_array

__all__ = ["PLR", "PLR_PRESETS", "PLR_PRESET_SCORES", "POWER_EPS", "replay_distribution"]

#: The ``eps`` of power prioritisation, ``(max(S, 0) + eps)^(1/beta)`` (as in the PLR reference).
POWER_EPS = 1e-3

#: Named presets (TEACHERS.md section 6).
#:
#: * ``plr``: classic PLR (Jiang et al. 2021): rank, beta 0.1, rho 0.1, buffer 4000, replay
#:   with probability equal to the buffer's fill fraction (the paper's ``P_D``), gradients on
#:   every level.
#: * ``robust_plr``: Robust PLR (Jiang et al. 2021b): rank, beta 0.3, rho 0.3, replay 0.8,
#:   min fill 0.5, buffer 4000, no gradient on new levels.
#: * ``accel``: ACCEL on BipedalWalker (Parker-Holder et al. 2022): rank, beta 0.1, rho 0.5,
#:   replay 0.9, buffer 1000, 3 edits after every replay, no gradient on new levels or children.
#:   Its min fill (0.5) is Robust PLR's; TEACHERS.md does not list one for ACCEL.
PLR_PRESETS: dict[str, dict[str, Any]] = {
    "plr": {
        "buffer_size": 4000,
        "prioritization": "rank",
        "temperature": 0.1,
        "staleness_coef": 0.1,
        "replay_prob": None,
        "min_fill": 0.0,
        "robust": False,
    },
    "robust_plr": {
        "buffer_size": 4000,
        "prioritization": "rank",
        "temperature": 0.3,
        "staleness_coef": 0.3,
        "replay_prob": 0.8,
        "min_fill": 0.5,
        "robust": True,
    },
    "accel": {
        "buffer_size": 1000,
        "prioritization": "rank",
        "temperature": 0.1,
        "staleness_coef": 0.5,
        "replay_prob": 0.9,
        "min_fill": 0.5,
        "robust": True,
        "edit_prob": 1.0,
        "num_edits": 3,
    },
}

#: The regret score each preset's paper uses; the student computes it (``autocurriculum.students.sb3``'s
#: ``score=`` argument), the teacher only ranks the numbers it receives.
PLR_PRESET_SCORES: dict[str, str] = {
    "plr": "l1_value_loss",
    "robust_plr": "positive_value_loss",
    "accel": "positive_value_loss",
}

_PRIORITIZATIONS = ("rank", "power")


def replay_distribution(
    scores: Sequence[float] | np.ndarray,
    last_sampled: Sequence[int] | np.ndarray,
    episode_count: int,
    *,
    prioritization: str = "rank",
    temperature: float = 0.1,
    staleness_coef: float = 0.1,
) -> np.ndarray:
    """PLR's replay distribution ``P = (1 - rho) * P_S + rho * P_C`` over the buffered levels.

    Parameters
    ----------
    scores:
        ``S_i``, one score per buffered level (non-empty).
    last_sampled:
        ``C_i``, the episode count at which each level was last sampled.
    episode_count:
        ``c``, the current episode count.
    prioritization:
        ``"rank"``: ``h_i = 1 / rank(S_i)`` (ties broken by position, earlier is better);
        ``"power"``: ``h_i = max(S_i, 0) + eps``. ``P_S(i) = h_i^(1/beta) / sum_j h_j^(1/beta)``.
    temperature:
        ``beta`` > 0.
    staleness_coef:
        ``rho`` in [0, 1]; ``P_C(i) = (c - C_i) / sum_j (c - C_j)`` (uniform when every
        ``c - C_i`` is 0).

    Returns
    -------
    numpy.ndarray
        Probabilities summing to 1, one per level.
    """
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1 or s.size == 0:
        raise ValueError(f"scores: expected a non-empty 1-D sequence, got shape {s.shape}")
    if prioritization == "rank":
        order = np.argsort(-s, kind="stable")
        ranks = np.empty(s.size, dtype=np.float64)
        ranks[order] = np.arange(1, s.size + 1)
        log_h = -np.log(ranks)
    elif prioritization == "power":
        log_h = np.log(np.maximum(s, 0.0) + POWER_EPS)
    else:
        raise ValueError(f"prioritization: got {prioritization!r}; allowed: {list(_PRIORITIZATIONS)}")
    # Computed in log space: h^(1/beta) underflows for small beta and large buffers.
    log_w = log_h / float(temperature)
    w = np.exp(log_w - log_w.max())
    p = w / w.sum()
    if staleness_coef > 0:
        stale = float(episode_count) - np.asarray(last_sampled, dtype=np.float64)
        if stale.shape != s.shape:
            raise ValueError(f"last_sampled: expected {s.size} counts, got shape {stale.shape}")
        total = stale.sum()
        p_c = stale / total if total > 0 else np.full(s.size, 1.0 / s.size)
        p = (1.0 - staleness_coef) * p + staleness_coef * p_c
    return p / p.sum()


class PLR(Teacher):
    """Prioritized Level Replay (Jiang et al. 2021), Robust PLR (2021b) and ACCEL (2022).

    See the module docstring for the algorithm and the contract with the student (lesson
    origins ``"new"``, ``"replay"``, ``"edit"`` and ``info["train"]``).

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace` (levels are parameter vectors), a
        :class:`~autocurriculum.teachers.spaces.DiscreteSpace` (levels are ids such as seeds) or a
        :class:`~autocurriculum.teachers.levels.MazeLevelSpace` (structured levels).
    buffer_size:
        Capacity of the level buffer (default 4000, as in the papers; ACCEL uses 1000).
    alpha:
        Score update ``S <- (1 - alpha) * S + alpha * score`` in (0, 1] (default 1.0: the newest
        score replaces the old one).
    prioritization:
        ``"rank"`` (default) or ``"power"``.
    temperature:
        ``beta`` of ``P_S`` (default 0.1; Robust PLR 0.3).
    staleness_coef:
        ``rho`` of ``P = (1 - rho) P_S + rho P_C`` (default 0.1; Robust PLR 0.3; ACCEL 0.5).
    replay_prob:
        Probability of a replay once the buffer is filled to ``min_fill`` (Robust PLR 0.8,
        ACCEL 0.9). ``None`` (default): the original PLR schedule, replay with probability equal
        to the fraction of the buffer filled.
    min_fill:
        Fraction of the capacity the buffer must hold before any replay (default 0.0; Robust
        PLR 0.5).
    robust:
        Robust PLR: new levels are only scored, ``info["train"]`` is False for them
        (default False).
    edit_prob:
        ACCEL: probability that a replay is followed by an edited child of the replayed level
        (default 0.0: no editing; the ``accel`` preset uses 1.0). Box and level spaces.
    num_edits:
        Edits applied to make a child (default 3, as ACCEL on BipedalWalker).
    edit_step:
        Size of one edit as a fraction of the dimension's range, in (0, 1] (default 0.1; our
        choice, the papers edit domain-specific parameters by domain-specific amounts). Box
        spaces only: a level space's edit changes one cell.
    initial_mean, initial_std:
        Optional Gaussian generator of new levels over a box (std defaults to 10% of the range;
        draws are clipped). ``None``: new levels are uniform.
    seed:
        Seed of the teacher's generator.
    """

    name: ClassVar[str] = "plr"
    requires: ClassVar[frozenset[str]] = frozenset({"score"})
    reports_per_lesson: ClassVar[str] = "many"
    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (BoxSpace, DiscreteSpace, MazeLevelSpace)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = PLR_PRESETS
    task_space: BoxSpace | DiscreteSpace | MazeLevelSpace

    def __init__(
        self,
        task_space: BoxSpace | DiscreteSpace | MazeLevelSpace,
        *,
        buffer_size: int = 4000,
        alpha: float = 1.0,
        prioritization: str = "rank",
        temperature: float = 0.1,
        staleness_coef: float = 0.1,
        replay_prob: float | None = None,
        min_fill: float = 0.0,
        robust: bool = False,
        edit_prob: float = 0.0,
        num_edits: int = 3,
        edit_step: float = 0.1,
        initial_mean: Sequence[float] | None = None,
        initial_std: Sequence[float] | float | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.buffer_size = buffer_size
        self.alpha = alpha
        self.prioritization = prioritization
        self.temperature = temperature
        self.staleness_coef = staleness_coef
        self.replay_prob = replay_prob
        self.min_fill = min_fill
        self.robust = robust
        self.edit_prob = edit_prob
        self.num_edits = num_edits
        self.edit_step = edit_step
        self.initial_mean = initial_mean
        self.initial_std = initial_std

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace | DiscreteSpace | MazeLevelSpace, **overrides: Any) -> PLR:
        """Build with a named preset of :data:`PLR_PRESETS` (``plr``, ``robust_plr``, ``accel``) and overrides."""
        if preset not in PLR_PRESETS:
            raise ValueError(f"PLR: unknown preset {preset!r}; allowed: {sorted(PLR_PRESETS)}")
        return cls(task_space, **{**PLR_PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = type(self).__name__
        if (
            isinstance(self.buffer_size, bool)
            or not isinstance(self.buffer_size, (int, np.integer))
            or self.buffer_size < 1
        ):
            raise ValueError(f"{owner}.buffer_size: expected a positive integer, got {self.buffer_size!r}")
        _check_number(self.alpha, f"{owner}.alpha", 0.0, 1.0, low_open=True)
        if self.prioritization not in _PRIORITIZATIONS:
            raise ValueError(f"{owner}.prioritization: got {self.prioritization!r}; allowed: {list(_PRIORITIZATIONS)}")
        _check_number(self.temperature, f"{owner}.temperature", 0.0, math.inf, low_open=True)
        _check_number(self.staleness_coef, f"{owner}.staleness_coef", 0.0, 1.0)
        if self.replay_prob is not None:
            _check_number(self.replay_prob, f"{owner}.replay_prob", 0.0, 1.0, none_ok=True)
        _check_number(self.min_fill, f"{owner}.min_fill", 0.0, 1.0)
        if not isinstance(self.robust, (bool, np.bool_)):
            raise TypeError(f"{owner}.robust: expected a bool, got {self.robust!r}")
        _check_number(self.edit_prob, f"{owner}.edit_prob", 0.0, 1.0)
        if self.edit_prob > 0 and isinstance(self.task_space, DiscreteSpace):
            raise ValueError(
                f"{owner}.edit_prob: got {self.edit_prob!r} over {self.task_space!r}; ACCEL editing is "
                "defined for BoxSpace and MazeLevelSpace levels, use edit_prob=0.0 over a DiscreteSpace"
            )
        if not is_int(self.num_edits) or self.num_edits < 1:
            raise ValueError(f"{owner}.num_edits: expected a positive integer, got {self.num_edits!r}")
        _check_number(self.edit_step, f"{owner}.edit_step", 0.0, 1.0, low_open=True)
        self.mean_, self.std_ = gaussian_params(self.task_space, self.initial_mean, self.initial_std, owner)
        if isinstance(self.task_space, DiscreteSpace):
            self.capacity_ = min(int(self.buffer_size), self.task_space.n)
        else:
            self.capacity_ = int(self.buffer_size)

    def _init_state(self) -> None:
        cap = self.capacity_
        if isinstance(self.task_space, BoxSpace):
            self.tasks_ = np.zeros((cap, self.task_space.dim), dtype=np.float64)
        elif isinstance(self.task_space, MazeLevelSpace):
            self.tasks_ = np.zeros((cap, self.task_space.encoding_length), dtype=np.int64)
        else:
            self.tasks_ = np.zeros(cap, dtype=np.int64)
        self.scores_ = np.zeros(cap, dtype=np.float64)
        self.last_sampled_ = np.zeros(cap, dtype=np.int64)
        self.level_ids_ = np.zeros(cap, dtype=np.int64)
        self.parents_ = np.full(cap, -1, dtype=np.int64)
        self.generations_ = np.zeros(cap, dtype=np.int64)
        self.size_ = 0
        self.next_level_id_ = 0
        self.pending_edit_: dict[str, Any] | None = None
        self.counts_ = {"new": 0, "replay": 0, "edit": 0, "admitted": 0, "rejected": 0, "stale_feedback": 0}
        self._reindex()

    def _reindex(self) -> None:
        """Rebuild the derived lookups level id -> slot (and task id -> slot over a discrete space)."""
        n = self.size_
        self.slot_of_level_ = {int(u): i for i, u in enumerate(self.level_ids_[:n])}
        self.slot_of_task_ = (
            {int(t): i for i, t in enumerate(self.tasks_[:n])} if isinstance(self.task_space, DiscreteSpace) else {}
        )

    # ------------------------------------------------------------------ sampling
    def replay_distribution(self) -> np.ndarray:
        """``P = (1 - rho) P_S + rho P_C`` over the buffer's slots ``0 .. size-1`` (empty if the buffer is)."""
        self._ensure_setup()
        if self.size_ == 0:
            return np.zeros(0)
        n = self.size_
        return replay_distribution(
            self.scores_[:n],
            self.last_sampled_[:n],
            self.n_sampled_,
            prioritization=self.prioritization,
            temperature=self.temperature,
            staleness_coef=self.staleness_coef,
        )

    def _replay_decision(self) -> bool:
        if self.size_ == 0:
            return False
        if isinstance(self.task_space, DiscreteSpace) and self.size_ >= self.task_space.n:
            return True  # every level is in the buffer: there is no new level to draw
        fill = self.size_ / self.capacity_
        if fill < self.min_fill:
            return False
        p = fill if self.replay_prob is None else float(self.replay_prob)
        return bool(self.rng_.random() < p)

    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        if self.pending_edit_ is not None:
            return self._sample_edit()
        if self._replay_decision():
            return self._sample_replay()
        return self._sample_new()

    def _new_level_id(self) -> int:
        uid = self.next_level_id_
        self.next_level_id_ += 1
        return uid

    def _sample_new(self) -> tuple[Any, str, dict[str, Any]]:
        space = self.task_space
        if isinstance(space, DiscreteSpace):
            task: Any = self._unseen_id(space)
        elif self.mean_ is not None:
            task = space.clip(self.rng_.normal(self.mean_, self.std_))
        else:
            task = space.sample(self.rng_)
        self.counts_["new"] += 1
        info = {"train": not bool(self.robust), "level": self._new_level_id(), "slot": None, "parent": None}
        info["generation"] = 0
        return task, "new", info

    def _unseen_id(self, space: DiscreteSpace) -> int:
        """A uniform id among those not in the buffer (rejection first, the explicit complement after)."""
        for _ in range(32):
            task = int(self.rng_.integers(space.n))
            if task not in self.slot_of_task_:
                return task
        unseen = np.setdiff1d(np.arange(space.n), self.tasks_[: self.size_])
        return int(unseen[self.rng_.integers(unseen.size)])

    def _sample_replay(self) -> tuple[Any, str, dict[str, Any]]:
        p = self.replay_distribution()
        slot = int(self.rng_.choice(self.size_, p=p))
        self.last_sampled_[slot] = self.n_sampled_
        self.counts_["replay"] += 1
        uid = int(self.level_ids_[slot])
        parent = int(self.parents_[slot])
        generation = int(self.generations_[slot])
        task = self._buffered_task(slot)
        if self.edit_prob > 0 and self.rng_.random() < self.edit_prob:
            plain = self.tasks_[slot].tolist()  # a box vector or a level's encoding
            self.pending_edit_ = {"parent": uid, "task": plain, "generation": generation}
        info = {
            "train": True,
            "level": uid,
            "slot": slot,
            "parent": None if parent < 0 else parent,
            "generation": generation,
        }
        return task, "replay", info

    def _buffered_task(self, slot: int) -> Any:
        """The task in buffer slot ``slot``: a vector, an id, or a level decoded from its encoding."""
        return row_task(self.task_space, self.tasks_[slot])

    def _sample_edit(self) -> tuple[Any, str, dict[str, Any]]:
        space = self.task_space
        pending, self.pending_edit_ = self.pending_edit_, None
        if isinstance(space, DiscreteSpace) or pending is None:  # _validate_params and _sample rule this out
            raise RuntimeError(f"PLR: no edit to make over {space!r} (pending edit {pending!r})")
        info: dict[str, Any] = {
            "train": False,
            "level": -1,
            "slot": None,
            "parent": int(pending["parent"]),
            "generation": int(pending["generation"]) + 1,
        }
        if isinstance(space, MazeLevelSpace):
            parent = space.decode(np.asarray(pending["task"], dtype=np.int64), strict=True)
            level = space.edit(parent, self.rng_, n_edits=int(self.num_edits))
            self.counts_["edit"] += 1
            info["level"] = self._new_level_id()
            info["edits"] = int(self.num_edits)
            return level, "edit", info
        child = np.asarray(pending["task"], dtype=np.float64).copy()
        edits: list[list[int]] = []
        for _ in range(int(self.num_edits)):
            dim = int(self.rng_.integers(space.dim))
            sign = 1 if self.rng_.random() < 0.5 else -1
            child[dim] = min(
                space.high[dim], max(space.low[dim], child[dim] + sign * self.edit_step * space.width[dim])
            )
            edits.append([dim, sign])
        self.counts_["edit"] += 1
        info["level"] = self._new_level_id()
        info["edits"] = edits
        return child, "edit", info

    # ------------------------------------------------------------------ feedback
    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        score = float(feedback.score)  # type: ignore[arg-type]  # required: checked by Teacher.update
        if lesson.id is None:  # a level the environment drew itself: a candidate like a new level
            uid, parent, generation, origin = self._new_level_id(), -1, 0, "new"
            sampled_at = self.n_sampled_
        else:
            uid, parent, generation, origin = self._lesson_level(lesson)
            sampled_at = int(lesson.id)
        slot = self.slot_of_level_.get(uid)
        if slot is None and isinstance(self.task_space, DiscreteSpace):
            slot = self.slot_of_task_.get(int(lesson.task))
        if slot is not None:
            a = float(self.alpha)
            self.scores_[slot] = (1.0 - a) * self.scores_[slot] + a * score
            return
        if origin == "replay":
            self.counts_["stale_feedback"] += 1  # the level was evicted after this lesson was sampled
            return
        self._admit(lesson.task, score, uid, parent, generation, sampled_at)

    def _lesson_level(self, lesson: Lesson) -> tuple[int, int, int, str]:
        info = lesson.info
        if lesson.origin not in ("new", "replay", "edit") or not isinstance(info, Mapping):
            raise ValueError(
                f"lesson.origin: got {lesson.origin!r}; a PLR lesson has origin 'new', 'replay' or 'edit' "
                "(report lessons returned by this teacher's sample(), or a bare task)"
            )
        uid = info.get("level")
        if not is_int(uid) or not 0 <= uid < self.next_level_id_:
            raise ValueError(
                f"lesson.info['level']: got {uid!r}; expected a level id this teacher issued "
                f"(0 .. {self.next_level_id_ - 1})"
            )
        parent = info.get("parent")
        generation = info.get("generation", 0)
        return int(uid), (-1 if parent is None else int(parent)), int(generation), str(lesson.origin)

    def _admit(self, task: Any, score: float, uid: int, parent: int, generation: int, sampled_at: int) -> None:
        """Insert a scored new level if the buffer has room or it beats the lowest score."""
        if self.size_ < self.capacity_:
            slot = self.size_
            self.size_ += 1
        else:
            scores = self.scores_[: self.size_]
            lowest = float(scores.min())
            if score < lowest:
                self.counts_["rejected"] += 1
                return
            ties = np.flatnonzero(scores == lowest)
            slot = int(ties[np.argmin(self.last_sampled_[ties])])
            self.slot_of_level_.pop(int(self.level_ids_[slot]), None)
            if isinstance(self.task_space, DiscreteSpace):
                self.slot_of_task_.pop(int(self.tasks_[slot]), None)
        self.tasks_[slot] = task_row(self.task_space, task)
        self.scores_[slot] = score
        self.last_sampled_[slot] = sampled_at
        self.level_ids_[slot] = uid
        self.parents_[slot] = parent
        self.generations_[slot] = generation
        self.slot_of_level_[uid] = slot
        if isinstance(self.task_space, DiscreteSpace):
            self.slot_of_task_[int(task)] = slot
        self.counts_["admitted"] += 1

    # ------------------------------------------------------------------ reporting
    def _metrics(self) -> dict[str, float]:
        n = self.size_
        scores = self.scores_[:n]
        sampled = max(self.n_sampled_, 1)
        return {
            "buffer_fill": n / self.capacity_,
            "buffer_levels": float(n),
            "mean_score": float(scores.mean()) if n else 0.0,
            "max_score": float(scores.max()) if n else 0.0,
            "replay_fraction": self.counts_["replay"] / sampled,
            "new_fraction": self.counts_["new"] / sampled,
            "n_edits": float(self.counts_["edit"]),
            "n_admitted": float(self.counts_["admitted"]),
            "n_rejected": float(self.counts_["rejected"]),
            "n_stale_feedback": float(self.counts_["stale_feedback"]),
            "mean_generation": float(self.generations_[:n].mean()) if n else 0.0,
            "max_generation": float(self.generations_[:n].max()) if n else 0.0,
        }

    def plot_data(self) -> dict[str, Any]:
        """The buffer for task-space images.

        Returns
        -------
        dict
            ``"tasks"`` (``(size, dim)`` vectors, ``(size,)`` ids or ``(size, L)`` level encodings), ``"score"``, ``"probability"``
            (the current replay distribution), ``"staleness"`` (``c - C_i``), ``"generation"``,
            ``"level"`` and ``"parent"`` (level ids, -1 for none), one entry per buffered level.
        """
        self._ensure_setup()
        n = self.size_
        return {
            "tasks": self.tasks_[:n].copy(),
            "score": self.scores_[:n].copy(),
            "probability": self.replay_distribution(),
            "staleness": self.n_sampled_ - self.last_sampled_[:n],
            "generation": self.generations_[:n].copy(),
            "level": self.level_ids_[:n].copy(),
            "parent": self.parents_[:n].copy(),
        }

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        n = self.size_
        return {
            "tasks": self.tasks_[:n].copy(),
            "scores": self.scores_[:n].copy(),
            "last_sampled": self.last_sampled_[:n].copy(),
            "level_ids": self.level_ids_[:n].copy(),
            "parents": self.parents_[:n].copy(),
            "generations": self.generations_[:n].copy(),
            "next_level_id": self.next_level_id_,
            "pending_edit": self.pending_edit_,
            "counts": dict(self.counts_),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(
            ["tasks", "scores", "last_sampled", "level_ids", "parents", "generations"]
            + ["next_level_id", "pending_edit", "counts"]
        )
        space = self.task_space
        scores = r.array("scores", "f", (None,))
        n = scores.shape[0]
        if n > self.capacity_:
            raise ValueError(
                f"{r.where('scores')}: the saved buffer holds {n} levels, more than this PLR's capacity {self.capacity_} "
                f"(buffer_size={self.buffer_size!r}); the state was saved with other parameters"
            )
        if isinstance(space, DiscreteSpace):
            tasks = r.array("tasks", "i", (n,), 0, space.n - 1)
            if np.unique(tasks).size != n:
                raise ValueError(f"{r.where('tasks')}: a level id appears twice in the buffer")
        elif isinstance(space, MazeLevelSpace):  # level encodings: each must decode exactly
            tasks = r.array("tasks", "i", (n, space.encoding_length), 0, space.vocab_size - 1)
            check_rows(space, tasks, r.where("tasks"))
        else:
            tasks = r.array("tasks", "f", (n, space.dim), space.low, space.high)
        next_id = r.int("next_level_id")
        level_ids = r.array("level_ids", "i", (n,), 0, next_id - 1)
        if np.unique(level_ids).size != n:
            raise ValueError(f"{r.where('level_ids')}: a level id appears twice in the buffer")
        last_sampled = r.array("last_sampled", "i", (n,), 0, self.n_sampled_)
        parents = r.array("parents", "i", (n,), -1, next_id - 1)
        generations = r.array("generations", "i", (n,), 0)
        counts = r.counts("counts", ["new", "replay", "edit", "admitted", "rejected", "stale_feedback"])
        if counts["new"] + counts["replay"] + counts["edit"] != self.n_sampled_:
            raise ValueError(
                f"{r.where('counts')}: new + replay + edit = {counts['new'] + counts['replay'] + counts['edit']} "
                f"lessons, but the state records {self.n_sampled_} (the state is inconsistent)"
            )
        pending = r.get("pending_edit")
        if pending is not None:
            if not self.edit_prob > 0:
                raise ValueError(f"{r.where('pending_edit')}: an edit is pending, but this PLR has edit_prob=0")
            p = r.sub("pending_edit")
            p.keys(["parent", "task", "generation"])
            task = p.get("task")
            if not isinstance(task, list):
                raise TypeError(f"{p.where('task')}: expected a list of numbers, got {describe(task)}")
            if isinstance(space, MazeLevelSpace):  # a level's encoding, as _sample_replay stores it
                codes = real_array(task, p.where("task"))
                plain = space.encode(space.decode(codes.astype(np.int64), strict=True, name=p.where("task"))).tolist()
            else:
                plain = space.to_plain(space.check(real_array(task, p.where("task")), p.where("task")))
            pending = {"parent": p.int("parent", 0, next_id - 1), "task": plain, "generation": p.int("generation")}
        self.size_ = n
        self.tasks_[:n] = tasks
        self.scores_[:n] = scores
        self.last_sampled_[:n] = last_sampled
        self.level_ids_[:n] = level_ids
        self.parents_[:n] = parents
        self.generations_[:n] = generations
        self.next_level_id_ = next_id
        self.pending_edit_ = pending
        self.counts_ = counts
        self._reindex()


def _check_number(
    value: Any, name: str, low: float, high: float, *, low_open: bool = False, none_ok: bool = False
) -> None:
    """Raise unless ``value`` is a finite real in ``[low, high]`` (``(low, high]`` with ``low_open``)."""
    if not is_number(value):
        raise TypeError(f"{name}: expected a number, got {value!r}" + (" (or None)" if none_ok else ""))
    try:
        v = float(value)
    except OverflowError:  # an int beyond float64
        v = math.inf
    ok = math.isfinite(v) and (v > low if low_open else v >= low) and v <= high
    if not ok:
        bracket = "(" if low_open else "["
        upper = "inf)" if math.isinf(high) else f"{high}]"
        raise ValueError(f"{name}: got {value!r}; allowed: a number in {bracket}{low}, {upper}")
