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
import hashlib
import inspect
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.spaces import SubsetSpace, TaskSpace
from autocurriculum.teachers.validation import (
    StateReader,
    describe,
    is_int,
    real_array,
    real_number,
    state_difference,
)

__all__ = ["FEEDBACK_FIELDS", "REPORT_RULES", "Feedback", "Lesson", "Teacher"]


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
    teacher_uid:
        The unique id of the teacher instance that issued the lesson (``None`` for external
        lessons). A teacher refuses lessons with an id that another teacher issued. It is
        provenance, not content: two lessons that differ only in ``teacher_uid`` compare equal.
    """

    task: Any
    id: int | None = None
    origin: str = "external"
    info: Mapping[str, Any] = field(default_factory=dict)
    teacher_uid: str | None = None

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


def _check_success(value: Any) -> bool:
    """A bool, a numpy bool, a 0-d bool array, or the integers 0 and 1; anything else is refused."""
    v = value
    if isinstance(v, np.ndarray):
        if v.shape != ():
            raise ValueError(f"feedback.success: expected one bool, got {describe(value)}")
        v = v.item()
    if isinstance(v, (bool, np.bool_)):
        return bool(v)
    if is_int(v) and v in (0, 1):
        return bool(v)
    raise TypeError(f"feedback.success: expected a bool (or the integers 0 and 1), got {describe(value)}")


def _check_trajectories(value: Any) -> list[np.ndarray]:
    """A non-empty sequence of non-empty, finite ``(T, obs_dim)`` real arrays."""
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (Sequence, np.ndarray)):
        raise TypeError(f"feedback.trajectories: expected a sequence of (T, obs_dim) arrays, got {describe(value)}")
    trajs = []
    for i, t in enumerate(value):
        arr = real_array(t, f"feedback.trajectories[{i}]").astype(np.float64, copy=False)
        if arr.ndim != 2 or arr.shape[0] == 0:
            raise ValueError(
                f"feedback.trajectories[{i}]: expected a non-empty (T, obs_dim) array, got shape {arr.shape}"
            )
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"feedback.trajectories[{i}]: contains non-finite values; observations must be finite")
        trajs.append(arr)
    if not trajs:
        raise ValueError("feedback.trajectories: expected at least one trajectory, got an empty sequence")
    return trajs


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
            fb = copy.copy(value)  # _validate replaces the fields it converts, never mutates them
        elif isinstance(value, Mapping):
            unknown = set(value) - set(FEEDBACK_FIELDS)
            if unknown:
                raise ValueError(
                    f"feedback: unknown fields {sorted(map(str, unknown))}; allowed: {list(FEEDBACK_FIELDS)} "
                    "(put other numbers under 'extras')"
                )
            fb = cls(**dict(value))
        elif isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, (bool, np.bool_)):
            fb = cls(episode_return=real_number(value, "feedback.episode_return"))
        else:
            raise TypeError(
                f"feedback: expected a Feedback, a mapping of {list(FEEDBACK_FIELDS)} or a number "
                f"(an episodic return), got {describe(value)}"
            )
        fb._validate()
        return fb

    def _validate(self) -> None:
        """Check every given field; convert 0-d arrays and numpy scalars to Python numbers.

        Strings, bools, complex numbers, arrays where one number is expected, integers too large
        for a float and non-finite values are refused with an error naming the field.
        """
        for name in ("episode_return", "score"):
            if getattr(self, name) is not None:
                setattr(self, name, real_number(getattr(self, name), f"feedback.{name}"))
        if self.success is not None:
            self.success = _check_success(self.success)
        if self.length is not None:
            v = self.length
            if isinstance(v, np.ndarray) and v.shape == () and v.dtype.kind in "iu":
                v = v.item()
            if not is_int(v):
                raise TypeError(f"feedback.length: expected a non-negative integer, got {describe(self.length)}")
            if v < 0:
                raise ValueError(
                    f"feedback.length: got {describe(v)}; allowed: a non-negative integer (environment steps)"
                )
            self.length = int(v)
        if self.losses is not None:
            arr = real_array(self.losses, "feedback.losses").astype(np.float64, copy=False)
            if arr.ndim != 1:
                raise ValueError(f"feedback.losses: expected a 1-D array of per-sample losses, got shape {arr.shape}")
            if not np.all(np.isfinite(arr)):
                i = int(np.flatnonzero(~np.isfinite(arr))[0])
                raise ValueError(f"feedback.losses: entry {i} is {arr[i]}; losses must be finite")
            self.losses = arr
        if self.trajectories is not None:
            self.trajectories = _check_trajectories(self.trajectories)
        if not isinstance(self.extras, Mapping):
            raise TypeError(f"feedback.extras: expected a mapping of name -> number, got {describe(self.extras)}")
        clean = {}
        for k, v in self.extras.items():
            if not isinstance(k, str):
                raise TypeError(f"feedback.extras: keys must be strings, got the key {describe(k)}")
            clean[k] = real_number(v, f"feedback.extras[{k!r}]")
        self.extras = clean

    def has(self, name: str) -> bool:
        """Whether the field ``name`` (or extras key ``name``) was given."""
        if name in FEEDBACK_FIELDS:
            return getattr(self, name) is not None
        return name in self.extras


#: Allowed values of :attr:`Teacher.reports_per_lesson`.
REPORT_RULES = ("one", "many")

_STATE_KEYS = ("teacher", "version", "task_space", "rng", "n_sampled", "n_updates", "uid", "pending", "state")


def _feed(h: Any, x: Any) -> None:
    """Hash plain data canonically (numpy scalars as Python numbers, mappings by sorted key)."""
    if isinstance(x, np.ndarray):
        h.update(f"a{x.dtype.str}{x.shape}".encode())
        h.update(np.ascontiguousarray(x).tobytes())
    elif isinstance(x, Mapping):
        h.update(b"{")
        for k in sorted(x, key=repr):
            h.update(repr(k).encode())
            _feed(h, x[k])
        h.update(b"}")
    elif isinstance(x, (list, tuple)):
        h.update(b"[")
        for v in x:
            _feed(h, v)
        h.update(b"]")
    elif isinstance(x, np.generic):
        h.update(repr(x.item()).encode())
    else:
        h.update(repr(x).encode())


_SCALARS = frozenset({int, str, bool, type(None)})  # not float: 0.0 == -0.0 with different reprs
_FINGERPRINTS: dict[tuple[Any, ...], str] = {}  # digests of scalar-only infos (the same digest, cached)
_FINGERPRINTS_MAX = 4096


def _fingerprint(origin: str, info: Mapping[str, Any]) -> str:
    """A short digest of a lesson's origin and info, to recognise a lesson reported with altered fields.

    The task is not part of it: a student may report on part of a lesson (the supervised loop
    truncates the last subset to the budget), and the task is checked against the space anyway.
    Digests of infos whose values are plain Python scalars (ALP-GMM's component, ADR's bound)
    are cached under a key holding each value's type, so equal keys have equal digests.
    """
    if not info:
        return f"origin:{origin}"
    key: tuple[Any, ...] | None = None
    if type(info) is dict and type(origin) is str and all(type(v) in _SCALARS for v in info.values()):
        key = (origin, *((k, type(v), v) for k, v in info.items()))
        try:
            cached = _FINGERPRINTS.get(key)
        except TypeError:  # an unhashable key
            key = cached = None
        if cached is not None:
            return cached
    h = hashlib.blake2b(digest_size=8)
    _feed(h, (origin, info))
    digest = h.hexdigest()
    if key is not None:
        if len(_FINGERPRINTS) >= _FINGERPRINTS_MAX:
            _FINGERPRINTS.clear()
        _FINGERPRINTS[key] = digest
    return digest


def _load_rng(own: np.random.Generator, saved: Any) -> np.random.Generator:
    """A generator of ``own``'s kind holding the saved bit-generator state, or a refusal naming the key."""
    template = own.bit_generator.state

    def check(t: Any, v: Any, where: str) -> None:
        if isinstance(t, Mapping):
            StateReader(v, where).keys(list(t))
            for k in t:
                check(t[k], v[k], f"{where}[{k!r}]")
        elif isinstance(t, str):
            if v != t:
                raise ValueError(f"{where}: got {describe(v)}; this teacher's generator is {t!r}")
        elif not is_int(v) or not 0 <= int(v) < 2**128:
            raise TypeError(f"{where}: expected an integer in [0, 2**128), got {describe(v)}")

    check(template, saved, "state['rng']")
    gen = np.random.Generator(type(own.bit_generator)())
    gen.bit_generator.state = copy.deepcopy(dict(saved))
    return gen


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

    Reports
    -------
    ``reports_per_lesson`` says how many reports a sampled lesson takes:

    * ``"one"`` (the default, and the protocol of every built-in student: one lesson is one
      episode, one epoch or one evaluation): a second report about a lesson is refused, and so
      is a lesson whose origin or info differ from what :meth:`sample` issued under its id;
    * ``"many"``: a lesson may be reported any number of times (PLR: several episodes on the
      same level each update its score).

    A lesson with an id must come from this teacher (its ``teacher_uid``, part of the
    state dict so that a resumed teacher still recognises its lessons); a bare task or
    ``Lesson(task=...)`` is an external lesson and may be reported any number of times.

    Checkpoints
    -----------
    :meth:`load_state_dict` is atomic: it builds the state on a fresh copy of the teacher
    (same parameters), checks it there, and only then moves the copy's learned attributes into
    this teacher (so learned state must not keep references to the teacher object itself); a
    refused state leaves the teacher exactly as it was. ``_set_state`` validates what it reads (a
    :class:`~autocurriculum.teachers.validation.StateReader` names the key of every refusal);
    anything it raises besides ``ValueError``/``TypeError`` is reported as a ``ValueError``; and
    the loaded copy's own ``state_dict()`` must give back the state it was given (NaN equal to
    NaN), so an unknown key, a coerced value or a dropped entry is refused even by a teacher
    whose ``_set_state`` checks nothing.
    """

    name: ClassVar[str] = ""
    requires: ClassVar[frozenset[str]] = frozenset()
    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (TaskSpace,)
    state_version: ClassVar[int] = 1
    reports_per_lesson: ClassVar[str] = "one"

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
        if self.reports_per_lesson not in REPORT_RULES:
            raise TypeError(
                f"{type(self).__name__}.reports_per_lesson: got {self.reports_per_lesson!r}; allowed: {list(REPORT_RULES)}"
            )
        self._validate_params()
        self.rng_ = np.random.default_rng(self.seed)
        self.n_sampled_ = 0
        self.n_updates_ = 0
        self.uid_ = uuid.uuid4().hex
        self.pending_: dict[int, str] = {}  # lesson id -> fingerprint, lessons not yet reported
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
        lesson = Lesson(task=task, id=self.n_sampled_, origin=origin, info=info, teacher_uid=self.uid_)
        if self.reports_per_lesson == "one":
            self.pending_[self.n_sampled_] = _fingerprint(origin, info)
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
        if lesson.id is not None:
            self.pending_.pop(lesson.id, None)
        self.n_updates_ += 1

    def _coerce_lesson(self, lesson: Any) -> Lesson:
        """Check a reported lesson against the rules of :class:`Teacher` (no side effect)."""
        if not isinstance(lesson, Lesson):
            return Lesson(task=self.task_space.check(lesson, "lesson"))
        owner = type(self).__name__
        if not isinstance(lesson.origin, str):
            raise TypeError(f"lesson.origin: expected a string, got {describe(lesson.origin)}")
        if not isinstance(lesson.info, Mapping):
            raise TypeError(
                f"lesson.info: expected a mapping (the info sample() returned, {{}} for an external lesson), "
                f"got {describe(lesson.info)}"
            )
        lid = lesson.id
        if lid is not None and not is_int(lid):
            raise TypeError(
                f"lesson.id: expected an integer issued by sample() (or None for an external task), got {describe(lid)}"
            )
        if lesson.teacher_uid is not None and lesson.teacher_uid != self.uid_:
            raise ValueError(
                f"lesson.teacher_uid: lesson {describe(lid)} was issued by another teacher "
                f"({describe(lesson.teacher_uid)}), "
                f"not by this {owner} ({self.uid_!r}); report each lesson to the teacher that sampled it"
            )
        task = self.task_space.check(lesson.task, "lesson.task")
        if lid is None:
            return replace(lesson, task=task)
        if type(lid) is not int:
            lid = int(lid)
        if not -(2**63) <= lid < 2**63:
            raise ValueError(f"lesson.id: got {describe(lid)}, which this teacher never sampled")
        if lesson.teacher_uid is None:
            raise ValueError(
                f"lesson.id: got {lid} on a lesson that carries no teacher_uid; only lessons returned by this "
                f"{owner}'s sample() have ids (report an external task as Lesson(task=...) or as a bare task)"
            )
        if not 0 <= lid < self.n_sampled_:
            raise ValueError(
                f"lesson.id: {lid} was never sampled by this teacher (it has sampled ids 0..{self.n_sampled_ - 1})"
            )
        if self.reports_per_lesson == "one":
            expected = self.pending_.get(lid)
            if expected is None:
                raise ValueError(
                    f"lesson.id: lesson {lid} was already reported; {owner} takes one report per lesson "
                    "(sample a new lesson for each episode or epoch)"
                )
            if _fingerprint(lesson.origin, lesson.info) != expected:
                raise ValueError(
                    f"lesson: lesson {lid} differs from the lesson this {owner} issued under that id "
                    "(its origin or info changed); report lessons as sample() returned them"
                )
        if task is lesson.task and lid is lesson.id:
            return lesson  # already checked and exact (the common case: the lesson sample() returned)
        return replace(lesson, task=task, id=lid)

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
        """Everything needed to continue exactly: counters, learned state and RNG state (plain data)."""
        self._ensure_setup()
        ids = sorted(self.pending_)
        return {
            "teacher": f"{type(self).__module__}.{type(self).__qualname__}",
            "version": self.state_version,
            "task_space": self.task_space.to_dict(),
            "rng": copy.deepcopy(self.rng_.bit_generator.state),
            "n_sampled": self.n_sampled_,
            "n_updates": self.n_updates_,
            "uid": self.uid_,
            "pending": {"ids": np.array(ids, dtype=np.int64), "fingerprints": [self.pending_[i] for i in ids]},
            "state": copy.deepcopy(self._get_state()),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` into this teacher (built with the same parameters).

        Atomic: the state is loaded into a fresh copy of the teacher and checked there; a state
        that is refused (``ValueError``/``TypeError`` naming the key) leaves this teacher exactly
        as it was.
        """
        candidate = self._loaded_copy(state)
        params = set(self._param_names())
        kept = {k: v for k, v in self.__dict__.items() if k in params}
        self.__dict__.clear()
        self.__dict__.update({k: v for k, v in candidate.__dict__.items() if k not in params})
        self.__dict__.update(kept)

    def _loaded_copy(self, state: Any) -> Teacher:
        """A fresh teacher with this one's parameters holding ``state``, or a ``ValueError``/``TypeError``."""
        expected = f"{type(self).__module__}.{type(self).__qualname__}"
        if not isinstance(state, Mapping) or state.get("teacher") != expected:
            if not isinstance(state, Mapping):
                raise TypeError(f"load_state_dict: expected a state dict (a mapping), got {describe(state)}")
            raise ValueError(
                f"load_state_dict: state['teacher'] is {describe(state.get('teacher'))}: the state belongs to "
                f"another teacher, not to {expected!r}"
            )
        if state.get("version") != self.state_version:
            raise ValueError(
                f"load_state_dict: state['version'] is {describe(state.get('version'))}, not supported "
                f"(this {type(self).__name__} reads version {self.state_version})"
            )
        if state.get("task_space") != self.task_space.to_dict():
            raise ValueError(
                f"load_state_dict: state['task_space']: the saved task space {state.get('task_space')} differs from this "
                f"teacher's {self.task_space.to_dict()}"
            )
        top = StateReader(state, "state")
        top.keys(_STATE_KEYS)
        candidate = type(self)(**self.get_params())
        candidate.setup()
        try:
            candidate.rng_ = _load_rng(candidate.rng_, state["rng"])
            candidate.n_sampled_ = top.int("n_sampled")
            candidate.n_updates_ = top.int("n_updates")
            uid = state["uid"]
            if not isinstance(uid, str) or not 0 < len(uid) <= 64:
                raise TypeError(
                    f"state['uid']: expected a non-empty string of at most 64 characters, got {describe(uid)}"
                )
            candidate.uid_ = uid
            candidate.pending_ = candidate._load_pending(top.sub("pending"))
            candidate._set_state(copy.deepcopy(state["state"]))
        except (ValueError, TypeError) as e:
            text = str(e)
            raise type(e)(text if text.startswith("load_state_dict") else f"load_state_dict: {text}") from e
        except Exception as e:  # noqa: BLE001 - any failure to restore is a refused state
            raise ValueError(
                f"load_state_dict: state['state'] could not be restored ({type(e).__name__}: {e}); the state is "
                "corrupt or was saved by another version of the teacher"
            ) from e
        diff = state_difference(dict(state), candidate.state_dict())
        if diff is not None:
            raise ValueError(
                f"load_state_dict: {diff}: the loaded teacher does not give back the state it was given "
                "(a value was converted, dropped or is unknown); the state is corrupt or from another version"
            )
        return candidate

    def _load_pending(self, r: StateReader) -> dict[int, str]:
        r.keys(["ids", "fingerprints"])
        ids = r.array("ids", "i", (None,), low=0, high=self.n_sampled_ - 1)
        fps = r.get("fingerprints")
        if not isinstance(fps, (list, tuple)) or len(fps) != ids.size or not all(isinstance(f, str) for f in fps):
            raise TypeError(f"{r.where('fingerprints')}: expected a list of {ids.size} strings, got {describe(fps)}")
        if np.unique(ids).size != ids.size or not np.all(np.diff(ids) > 0):
            raise ValueError(f"{r.where('ids')}: expected increasing, distinct lesson ids")
        if ids.size and self.reports_per_lesson != "one":
            raise ValueError(
                f"{r.where('ids')}: {type(self).__name__} takes many reports per lesson and keeps no pending lessons"
            )
        return {int(i): str(f) for i, f in zip(ids, fps, strict=True)}

    def _get_state(self) -> dict[str, Any]:
        return {}

    def _set_state(self, state: dict[str, Any]) -> None:
        """Check and restore what :meth:`_get_state` returned (runs on a fresh copy, see :meth:`load_state_dict`).

        The default, for teachers without learned state, accepts only an empty mapping.
        """
        self._state_reader(state).keys([])

    def _state_reader(self, state: Any) -> StateReader:
        """A :class:`StateReader` over the teacher's own part of a saved state (``state['state']``)."""
        return StateReader(state, "state['state']")

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
