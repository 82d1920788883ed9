"""The teacher/student protocol: lessons, feedback and the :class:`Teacher` base class.

A teacher proposes a :class:`Lesson` (``teacher.sample()``); the student plays or trains on it
and reports a :class:`Feedback` about that lesson (``teacher.update(lesson, feedback)``). A
lesson is a member of the teacher's :class:`~autocurriculum.teachers.spaces.TaskSpace`: a task-parameter
vector, a level id, a subset of training samples, or a training setting such as the discount
factor. Feedback carries whatever the teacher declares in :attr:`Teacher.requires`: an episodic
return, a success flag, a learner-side score (regret), per-sample losses, trajectories, or
other named numbers. Several students (environment copies) may hold lessons at once and report
in any order: each report names the lesson it is about.

The base class follows the scikit-learn and Stable-Baselines3 conventions: constructors only
store hyperparameters; :meth:`Teacher.setup` validates them and builds the state (it runs on
first use); public methods do the bookkeeping and validation and call small private hooks
(``sample`` -> ``_sample``, ``update`` -> ``_update``, ``metrics`` -> ``_metrics``,
``state_dict`` -> ``_get_state``). Each teacher owns one seeded
:class:`numpy.random.Generator` (``rng_``) and never touches global random state.
"""

from __future__ import annotations

import abc
import copy
import inspect
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.spaces import SubsetSpace, TaskSpace
from autocurriculum.teachers.validation import is_int, is_number

__all__ = ["FEEDBACK_FIELDS", "Feedback", "Lesson", "Teacher"]


@dataclass(frozen=True)
class Lesson:
    """What a teacher proposes: a task of its space plus bookkeeping.

    Attributes
    ----------
    task:
        The task itself, a member of the teacher's task space.
    id:
        A per-teacher counter (0, 1, 2, ...) identifying the proposal; ``None`` for tasks that
        did not come from ``sample()`` (for example a task an environment drew itself).
    origin:
        Where the task came from, for plots: ``"random"``, ``"bootstrap"``, ``"gmm"``,
        ``"replay"``, ``"new"``, ``"schedule"``, ``"external"``...
    info:
        Teacher-specific details needed to interpret the feedback later (the GMM component, the
        probed ADR bound, the level's buffer slot). Plain data, so the lesson pickles and can
        travel to a worker process and back.
    """

    task: Any
    id: int | None = None
    origin: str = "external"
    info: Mapping[str, Any] = field(default_factory=dict)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Lesson):
            return NotImplemented
        return (
            self.id == other.id
            and self.origin == other.origin
            and _plain_equal(self.task, other.task)
            and _plain_equal(dict(self.info), dict(other.info))
        )

    __hash__ = None  # type: ignore[assignment]


def _plain_equal(a: Any, b: Any) -> bool:
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return set(a) == set(b) and all(_plain_equal(a[k], b[k]) for k in a)
    if isinstance(a, (np.ndarray, list, tuple)) or isinstance(b, (np.ndarray, list, tuple)):
        a_arr, b_arr = np.asarray(a), np.asarray(b)
        return a_arr.shape == b_arr.shape and bool(np.array_equal(a_arr, b_arr))
    return bool(a == b)


FEEDBACK_FIELDS = ("episode_return", "success", "score", "losses", "trajectories", "length", "extras")


@dataclass
class Feedback:
    """What happened when a student took a lesson. Every field is optional.

    Attributes
    ----------
    episode_return:
        Episodic return (raw; teachers that want it normalised take the bounds as parameters).
    success:
        Whether the episode (or task) was solved.
    score:
        A learner-side score such as a regret estimate (PLR's positive value loss, MaxMC).
    losses:
        Per-sample losses, aligned with the sample indices of a subset lesson.
    trajectories:
        Observation sequences, one ``(T, obs_dim)`` array per episode (discount scheduling).
    length:
        Number of environment steps the feedback covers.
    extras:
        Any other named numbers (validation accuracy, probe results, ...).
    """

    episode_return: float | None = None
    success: bool | None = None
    score: float | None = None
    losses: np.ndarray | None = None
    trajectories: Sequence[np.ndarray] | None = None
    length: int | None = None
    extras: dict[str, float] = field(default_factory=dict)

    @classmethod
    def coerce(cls, value: Feedback | Mapping[str, Any] | float | int) -> Feedback:
        """Accept a :class:`Feedback`, a mapping of its fields, or a bare number (an episodic return)."""
        if isinstance(value, Feedback):
            fb = replace(value)
        elif isinstance(value, Mapping):
            unknown = set(value) - set(FEEDBACK_FIELDS)
            if unknown:
                raise ValueError(
                    f"feedback: unknown fields {sorted(map(str, unknown))}; allowed: {list(FEEDBACK_FIELDS)} "
                    "(put other numbers under 'extras')"
                )
            fb = cls(**dict(value))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
            fb = cls(episode_return=float(value))
        else:
            raise TypeError(
                f"feedback: expected a Feedback, a mapping of {list(FEEDBACK_FIELDS)} or a number "
                f"(an episodic return), got {type(value).__name__} {value!r}"
            )
        fb._validate()
        return fb

    def _validate(self) -> None:
        for name in ("episode_return", "score"):
            v = getattr(self, name)
            if v is None:
                continue
            if not is_number(v):
                if isinstance(v, np.ndarray) and v.shape == ():
                    v = v.item()
                else:
                    raise TypeError(f"feedback.{name}: expected a number, got {type(v).__name__} {v!r}")
            if not math.isfinite(v):
                raise ValueError(f"feedback.{name}: got {v}; feedback values must be finite numbers")
            setattr(self, name, float(v))
        if self.success is not None:
            if not isinstance(self.success, (bool, np.bool_)) and self.success not in (0, 1):
                raise TypeError(f"feedback.success: expected a bool, got {self.success!r}")
            self.success = bool(self.success)
        if self.length is not None:
            if not is_int(self.length) or self.length < 0:
                raise ValueError(f"feedback.length: expected a non-negative integer, got {self.length!r}")
            self.length = int(self.length)
        if self.losses is not None:
            arr = np.asarray(self.losses, dtype=np.float64)
            if arr.ndim != 1:
                raise ValueError(f"feedback.losses: expected a 1-D array of per-sample losses, got shape {arr.shape}")
            if not np.all(np.isfinite(arr)):
                i = int(np.flatnonzero(~np.isfinite(arr))[0])
                raise ValueError(f"feedback.losses: entry {i} is {arr[i]}; losses must be finite")
            self.losses = arr
        if self.trajectories is not None:
            trajs = []
            for i, t in enumerate(self.trajectories):
                arr = np.asarray(t, dtype=np.float64)
                if arr.ndim != 2 or arr.shape[0] == 0:
                    raise ValueError(
                        f"feedback.trajectories[{i}]: expected a non-empty (T, obs_dim) array, got shape {arr.shape}"
                    )
                if not np.all(np.isfinite(arr)):
                    raise ValueError(f"feedback.trajectories[{i}]: contains non-finite values")
                trajs.append(arr)
            if not trajs:
                raise ValueError("feedback.trajectories: expected at least one trajectory, got an empty sequence")
            self.trajectories = trajs
        if not isinstance(self.extras, Mapping):
            raise TypeError(f"feedback.extras: expected a mapping of name -> number, got {self.extras!r}")
        clean = {}
        for k, v in self.extras.items():
            if not is_number(v):
                raise TypeError(f"feedback.extras[{k!r}]: expected a number, got {v!r}")
            if not math.isfinite(v):
                raise ValueError(f"feedback.extras[{k!r}]: got {v}; feedback values must be finite numbers")
            clean[str(k)] = float(v)
        self.extras = clean

    def has(self, name: str) -> bool:
        """Whether the field ``name`` (or extras key ``name``) was given."""
        if name in FEEDBACK_FIELDS:
            return getattr(self, name) is not None
        return name in self.extras


class Teacher(abc.ABC):
    """Base class of every teacher.

    Subclasses define

    * ``name``: the registry name (``"alp_gmm"``);
    * ``requires``: the feedback fields :meth:`update` needs (``{"episode_return"}``);
    * ``space_types``: the task-space classes the algorithm supports;
    * ``__init__`` storing the task space, hyperparameters and ``seed`` under the same names
      (no validation, no side effects);
    * ``_validate_params()``, ``_init_state()``, ``_sample()``, ``_update()``, and, when they
      keep learned state, ``_get_state()`` / ``_set_state()`` and ``_metrics()``.

    Learned state carries a trailing underscore (``rng_``, ``n_sampled_``).
    """

    name: ClassVar[str] = ""
    requires: ClassVar[frozenset[str]] = frozenset()
    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (TaskSpace,)
    state_version: ClassVar[int] = 1

    task_space: TaskSpace
    seed: int | None

    def __init__(self, task_space: TaskSpace, *, seed: int | None = None) -> None:
        self.task_space = task_space
        self.seed = seed

    # ------------------------------------------------------------------ parameters
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [
            p.name
            for p in sig.parameters.values()
            if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]

    def get_params(self) -> dict[str, Any]:
        """Constructor arguments, read back from the attributes of the same names."""
        return {name: getattr(self, name) for name in self._param_names()}

    def clone(self, **overrides: Any) -> Teacher:
        """A fresh, unfitted teacher with the same constructor arguments (and ``overrides``)."""
        params = copy.deepcopy(self.get_params())
        params.update(overrides)
        return type(self)(**params)

    # ------------------------------------------------------------------ set-up
    def setup(self) -> Teacher:
        """Validate the hyperparameters and build a fresh state (runs on first use)."""
        if not isinstance(self.task_space, self.space_types):
            allowed = ", ".join(t.__name__ for t in self.space_types)
            raise TypeError(f"{type(self).__name__}: task_space must be one of ({allowed}), got {self.task_space!r}")
        if self.seed is not None and (not is_int(self.seed)):
            raise TypeError(f"{type(self).__name__}: seed must be an integer or None, got {self.seed!r}")
        self._validate_params()
        self.rng_ = np.random.default_rng(self.seed)
        self.n_sampled_ = 0
        self.n_updates_ = 0
        self._init_state()
        self._is_setup = True
        return self

    def _ensure_setup(self) -> None:
        if not getattr(self, "_is_setup", False):
            self.setup()

    def _validate_params(self) -> None:  # noqa: B027 - optional hook
        """Check hyperparameters; raise ``ValueError``/``TypeError`` naming the parameter."""

    def _init_state(self) -> None:  # noqa: B027 - optional hook
        """Create the learned state (called by :meth:`setup`)."""

    # ------------------------------------------------------------------ protocol
    def sample(self) -> Lesson:
        """Propose the next lesson."""
        self._ensure_setup()
        task, origin, info = self._sample()
        task = self.task_space.check(task, f"{type(self).__name__}._sample() result")
        lesson = Lesson(task=task, id=self.n_sampled_, origin=origin, info=info)
        self.n_sampled_ += 1
        return lesson

    def update(self, lesson: Lesson | Any, feedback: Feedback | Mapping[str, Any] | float) -> None:
        """Report what happened on ``lesson``.

        ``lesson`` is a :class:`Lesson` returned by :meth:`sample` (in any order relative to
        other lessons), or a bare task of the space (treated as an external lesson).
        ``feedback`` is a :class:`Feedback`, a mapping of its fields, or a bare number (the
        episodic return).
        """
        self._ensure_setup()
        lesson = self._coerce_lesson(lesson)
        fb = Feedback.coerce(feedback)
        missing = [r for r in sorted(self.requires) if not fb.has(r)]
        if missing:
            raise ValueError(
                f"{type(self).__name__}.update: feedback lacks {missing}; this teacher requires "
                f"{sorted(self.requires)}, got fields {[f.name for f in fields(fb) if fb.has(f.name)]}"
            )
        if fb.losses is not None and isinstance(self.task_space, SubsetSpace):
            if fb.losses.shape[0] != np.asarray(lesson.task).shape[0]:
                raise ValueError(
                    f"feedback.losses: got {fb.losses.shape[0]} losses for a lesson of "
                    f"{np.asarray(lesson.task).shape[0]} samples; give one loss per sample, in lesson order"
                )
        self._update(lesson, fb)
        self.n_updates_ += 1

    def _coerce_lesson(self, lesson: Any) -> Lesson:
        if isinstance(lesson, Lesson):
            task = self.task_space.check(lesson.task, "lesson.task")
            if lesson.id is not None and not 0 <= lesson.id < self.n_sampled_:
                raise ValueError(
                    f"lesson.id: {lesson.id} was never sampled by this teacher "
                    f"(it has sampled ids 0..{self.n_sampled_ - 1})"
                )
            return replace(lesson, task=task)
        return Lesson(task=self.task_space.check(lesson, "lesson"))

    @abc.abstractmethod
    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        """Return ``(task, origin, info)`` for the next lesson."""

    @abc.abstractmethod
    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        """Learn from validated feedback about ``lesson``."""

    def metrics(self) -> dict[str, float]:
        """A flat dict of numbers describing the teacher's state, for logging."""
        self._ensure_setup()
        out = {"n_sampled": float(self.n_sampled_), "n_updates": float(self.n_updates_)}
        out.update({k: float(v) for k, v in self._metrics().items()})
        return out

    def _metrics(self) -> dict[str, float]:
        return {}

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly: counters, learned state and RNG state."""
        self._ensure_setup()
        return {
            "teacher": f"{type(self).__module__}.{type(self).__qualname__}",
            "version": self.state_version,
            "task_space": self.task_space.to_dict(),
            "rng": copy.deepcopy(self.rng_.bit_generator.state),
            "n_sampled": self.n_sampled_,
            "n_updates": self.n_updates_,
            "state": copy.deepcopy(self._get_state()),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` into this teacher (built with the same parameters)."""
        expected = f"{type(self).__module__}.{type(self).__qualname__}"
        if not isinstance(state, Mapping) or state.get("teacher") != expected:
            got = state.get("teacher") if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(f"load_state_dict: state belongs to {got!r}, not to {expected!r}")
        if state.get("version") != self.state_version:
            raise ValueError(
                f"load_state_dict: state version {state.get('version')!r} is not supported "
                f"(this {type(self).__name__} reads version {self.state_version})"
            )
        if state.get("task_space") != self.task_space.to_dict():
            raise ValueError(
                f"load_state_dict: the saved task space {state.get('task_space')} differs from this "
                f"teacher's {self.task_space.to_dict()}"
            )
        self.setup()
        self.rng_.bit_generator.state = copy.deepcopy(state["rng"])
        self.n_sampled_ = int(state["n_sampled"])
        self.n_updates_ = int(state["n_updates"])
        self._set_state(copy.deepcopy(state["state"]))

    def _get_state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:  # noqa: B027 - optional hook
        """Restore what :meth:`_get_state` returned (teachers without learned state keep nothing)."""

    # ------------------------------------------------------------------ contract-suite support
    def example_feedback(self, lesson: Lesson, rng: np.random.Generator) -> Feedback:
        """A plausible feedback for ``lesson``, used by the contract suite and smoke tests.

        The default fills every required field with random values of the right type and
        shape; teachers with unusual needs override it.
        """
        fb = Feedback()
        if "episode_return" in self.requires:
            fb.episode_return = float(rng.uniform(0.0, 1.0))
        if "success" in self.requires:
            fb.success = bool(rng.random() < 0.5)
        if "score" in self.requires:
            fb.score = float(rng.uniform(0.0, 1.0))
        if "losses" in self.requires:
            fb.losses = rng.uniform(0.0, 2.0, size=np.asarray(lesson.task).shape[0])
        if "trajectories" in self.requires:
            fb.trajectories = [rng.normal(size=(int(rng.integers(5, 20)), 3)) for _ in range(2)]
        if "length" in self.requires:
            fb.length = int(rng.integers(1, 100))
        return fb

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"
