"""SPDL: self-paced deep reinforcement learning, a Gaussian context distribution moved toward a target.

Klink, Abdulsamad, Belousov & Peters, "Self-Paced Deep Reinforcement Learning", NeurIPS 2020;
benchmark settings from Romac et al., "TeachMyAgent", ICML 2021.

The teacher keeps a Gaussian ``p = N(mean, L L^T)`` over the task space and, every
``update_every`` episodes (or environment steps, ``count_steps=True``) after ``update_offset``,
solves the paper's KL-constrained problem on the contexts ``c_i`` played since the last update and
the learner's value estimates ``V(c_i)``::

    maximise_p   mean_i[ p(c_i) / p_old(c_i) * V(c_i) ] - alpha * KL(p || target)
    subject to   KL(p_old || p) <= max_kl

``alpha`` is 0 for the first ``alpha_offset`` updates, then ``zeta * max(0, mean_i V(c_i)) /
KL(p_old || target)`` (capped at 1e5): the penalty is a fixed share ``zeta`` of the expected value,
the schedule of the paper as TeachMyAgent runs it.

``V(c)`` is the critic's value at the episode's first observation, which the SB3 students report as
``feedback.extras["initial_value"]`` (:data:`VALUE_KEY`); without it the episodic return stands in
for the value (students without a critic, the unlock grid).

Implementation notes (same rule, our choices):

* contexts live in unit-cube coordinates (``task_space.to_unit``); both KL divergences are invariant
  under that affine map, so the constraint means the same as in task units;
* the problem is solved with SciPy's SLSQP over ``(mean, log diag L, off-diagonal L)``, the
  reference used conjugate gradient and a line search; the result is then pulled back along the
  segment from the old parameters until ``KL(p_old || p) <= max_kl`` holds exactly, and kept only
  when it does not lower the objective, so the bound is never exceeded whatever the optimiser did;
* draws are clipped to the box, as in TeachMyAgent, but the update works on the draws themselves
  (kept in ``lesson.info["context"]``), not on the clipped tasks: the importance weights are then
  those of the distribution that was sampled (weighting clipped points by the density makes the
  optimum collapse onto the box's faces when the distribution starts in a corner).

Presets: ``teachmyagent`` (update every 100k environment steps after 200k, ``zeta`` 0.05,
``max_kl`` 0.8, buffer of 1000 contexts: TeachMyAgent's defaults) and ``unlock_grid`` (counted in
episodes, starting from the easiest corner of the unit cube, ``zeta`` 0.5, ``max_kl`` 0.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from scipy.optimize import minimize

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.random_teacher import gaussian_params
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import is_int, is_number

__all__ = ["SPDL", "SPDL_PRESETS", "VALUE_KEY", "Gaussian", "spdl_update"]

#: The ``feedback.extras`` key holding the learner's value estimate of the episode's first observation.
VALUE_KEY = "initial_value"

#: Named presets. ``teachmyagent``: TeachMyAgent's benchmark settings (cadence in environment steps,
#: read from ``feedback.length``). ``unlock_grid``: cadence in episodes, starting at the origin, with
#: ``zeta`` 0.5 and ``max_kl`` 0.2: the best of four settings on one seed of 8,000 episodes (TeachMyAgent's
#: 0.05 and 0.8 let the distribution run off the box's corner and stay at 1% mastered).
SPDL_PRESETS: dict[str, dict[str, Any]] = {
    "teachmyagent": {
        "update_every": 100_000,
        "update_offset": 200_000,
        "count_steps": True,
        "zeta": 0.05,
        "alpha_offset": 0,
        "max_kl": 0.8,
        "max_buffer_size": 1000,
    },
    "unlock_grid": {
        "update_every": 100,
        "update_offset": 200,
        "count_steps": False,
        "zeta": 0.5,
        "alpha_offset": 0,
        "max_kl": 0.2,
        "max_buffer_size": 1000,
        "initial_mean": 0.0,
    },
}

_LOG_2PI = float(np.log(2.0 * np.pi))
_ALPHA_MAX = 1e5
_LOG_STD_LIMIT = 10.0  # |log std| in unit coordinates beyond which the optimiser may not go


def tril_inv(chol: np.ndarray) -> np.ndarray:
    """Inverse of a lower-triangular matrix by forward substitution, row by row.

    Plain numpy on purpose: for the few dimensions of a task space, a LAPACK call costs more in
    thread start-up than the arithmetic, and much more on a busy machine.
    """
    d = chol.shape[0]
    inv = np.zeros_like(chol)
    for i in range(d):
        inv[i, i] = 1.0 / chol[i, i]
        if i:
            inv[i, :i] = -(chol[i, :i] @ inv[:i, :i]) / chol[i, i]
    return inv


class Gaussian:
    """A full-covariance Gaussian given by its mean and lower Cholesky factor (plain numpy).

    ``to_vector``/``from_vector`` map it to the optimiser's parameters ``(mean, log diag L,
    strictly-lower L)``.
    """

    def __init__(self, mean: np.ndarray, chol: np.ndarray) -> None:
        self.mean = np.asarray(mean, dtype=np.float64)
        self.chol = np.asarray(chol, dtype=np.float64)

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    @classmethod
    def from_std(cls, mean: np.ndarray, std: np.ndarray) -> Gaussian:
        return cls(mean, np.diag(np.asarray(std, dtype=np.float64)))

    def to_vector(self) -> np.ndarray:
        d = self.dim
        low = np.tril_indices(d, -1)
        return np.concatenate([self.mean, np.log(np.diag(self.chol)), self.chol[low]])

    @classmethod
    def from_vector(cls, theta: np.ndarray, d: int) -> Gaussian:
        chol = np.zeros((d, d))
        chol[np.diag_indices(d)] = np.exp(np.clip(theta[d : 2 * d], -_LOG_STD_LIMIT, _LOG_STD_LIMIT))
        chol[np.tril_indices(d, -1)] = theta[2 * d :]
        return cls(theta[:d].copy(), chol)

    def log_pdf(self, x: np.ndarray) -> np.ndarray:
        z = tril_inv(self.chol) @ (x - self.mean).T
        return -0.5 * np.sum(z * z, axis=0) - np.sum(np.log(np.diag(self.chol))) - 0.5 * self.dim * _LOG_2PI

    def kl(self, other: Gaussian) -> float:
        """``KL(self || other)`` in closed form."""
        inv = tril_inv(other.chol)
        m = inv @ self.chol
        v = inv @ (other.mean - self.mean)
        logdet = 2.0 * (np.sum(np.log(np.diag(other.chol))) - np.sum(np.log(np.diag(self.chol))))
        return float(0.5 * (np.sum(m * m) + v @ v - self.dim + logdet))

    def sample(self, rng: np.random.Generator) -> np.ndarray:
        return self.mean + self.chol @ rng.standard_normal(self.dim)

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(np.sum(self.chol * self.chol, axis=1))


def spdl_alpha(iteration: int, values: np.ndarray, kl_to_target: float, zeta: float, alpha_offset: int) -> float:
    """The paper's penalty weight: 0 before ``alpha_offset`` updates, then ``zeta * mean V / KL``."""
    if iteration < alpha_offset:
        return 0.0
    return float(min(zeta * max(float(np.mean(values)), 0.0) / max(kl_to_target, 1e-10), _ALPHA_MAX))


def _chol_grad(g_chol: np.ndarray, chol: np.ndarray) -> np.ndarray:
    """Gradient wrt ``(log diag L, strictly-lower L)`` from a gradient wrt the lower-triangular ``L``."""
    d = chol.shape[0]
    return np.concatenate([np.diag(g_chol) * np.diag(chol), g_chol[np.tril_indices(d, -1)]])


def _objective(
    theta: np.ndarray, x: np.ndarray, old_logp: np.ndarray, v: np.ndarray, a: float, target: Gaussian
) -> tuple[float, np.ndarray]:
    """``-(mean(w * v) - a * KL(p || target))`` and its gradient (analytic)."""
    d = x.shape[1]
    p = Gaussian.from_vector(theta, d)
    inv_l = tril_inv(p.chol)
    z = inv_l @ (x - p.mean).T  # (d, n)
    logp = -0.5 * np.sum(z * z, axis=0) - np.sum(np.log(np.diag(p.chol))) - 0.5 * d * _LOG_2PI
    w = np.exp(np.clip(logp - old_logp, -50.0, 50.0))
    wv = w * v / x.shape[0]
    u = inv_l.T @ z  # Sigma^-1 (x - m), (d, n)
    g_mean = u @ wv
    g_chol = np.tril((u * wv) @ z.T) - np.diag(np.sum(wv) / np.diag(p.chol))
    # KL(p || target) and its gradient wrt p's parameters.
    inv_q = tril_inv(target.chol)
    prec_q = inv_q.T @ inv_q
    g_mean -= a * prec_q @ (p.mean - target.mean)
    g_chol -= a * (np.tril(prec_q @ p.chol) - np.diag(1.0 / np.diag(p.chol)))
    value = float(np.sum(wv)) - a * p.kl(target)
    return -value, -np.concatenate([g_mean, _chol_grad(g_chol, p.chol)])


def _kl_from(theta: np.ndarray, old: Gaussian) -> tuple[float, np.ndarray]:
    """``KL(old || p)`` and its gradient wrt p's parameters (analytic)."""
    d = old.dim
    p = Gaussian.from_vector(theta, d)
    inv_l = tril_inv(p.chol)
    prec = inv_l.T @ inv_l
    delta = p.mean - old.mean
    g_mean = prec @ delta
    a_mat = old.chol @ old.chol.T + np.outer(delta, delta)
    g_chol = np.tril(-prec @ a_mat @ prec @ p.chol) + np.diag(1.0 / np.diag(p.chol))
    return old.kl(p), np.concatenate([g_mean, _chol_grad(g_chol, p.chol)])


def spdl_update(
    old: Gaussian, target: Gaussian, contexts: np.ndarray, values: np.ndarray, alpha: float, max_kl: float
) -> Gaussian:
    """One SPDL step: maximise the importance-weighted value minus ``alpha * KL(p || target)``
    subject to ``KL(old || p) <= max_kl`` (Klink et al. 2020, eq. 5). Returns the new Gaussian.

    SciPy's SLSQP with analytic gradients over ``(mean, log diag L, strictly-lower L)``.
    """
    d = old.dim
    theta0 = old.to_vector()
    x = np.asarray(contexts, dtype=np.float64).reshape(-1, d)
    scale = max(float(np.max(np.abs(values))), 1e-8)  # conditioning only: the argmax is scale-free
    args = (x, old.log_pdf(x), np.asarray(values, dtype=np.float64) / scale, alpha / scale, target)
    result = minimize(
        _objective,
        theta0,
        args=args,
        jac=True,
        method="SLSQP",
        constraints=[
            {
                "type": "ineq",
                "fun": lambda t: max_kl - _kl_from(t, old)[0],
                "jac": lambda t: -_kl_from(t, old)[1],
            }
        ],
        options={"maxiter": 100, "ftol": 1e-10},
    )
    theta = np.asarray(result.x, dtype=np.float64)
    if not np.all(np.isfinite(theta)):
        return old
    # SLSQP may end slightly outside the trust region: take the farthest feasible point of the
    # segment from the old parameters (bisection; the old parameters are feasible, KL = 0).
    step = theta - theta0
    if _kl_from(theta, old)[0] > max_kl:
        lo, hi = 0.0, 1.0
        for _ in range(50):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if _kl_from(theta0 + mid * step, old)[0] <= max_kl else (lo, mid)
        theta = theta0 + lo * step
    if _objective(theta, *args)[0] > _objective(theta0, *args)[0]:
        return old
    return Gaussian.from_vector(theta, d)


def _std_param(space: BoxSpace, value: Sequence[float] | float | None, owner: str, name: str) -> np.ndarray | None:
    if value is None:
        return None
    arr = np.broadcast_to(np.asarray(value, dtype=np.float64), (space.dim,)).copy() if np.ndim(value) == 0 else None
    if arr is None:
        arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (space.dim,) or not np.all(np.isfinite(arr)) or np.any(arr <= 0):
        raise ValueError(f"{owner}.{name}: expected {space.dim} finite positive values (or one), got {value!r}")
    return arr


class SPDL(Teacher):
    """Self-paced deep RL teacher (Klink et al., NeurIPS 2020), as benchmarked in TeachMyAgent.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace`.
    update_every:
        Episodes (or environment steps with ``count_steps``) between two updates
        (TeachMyAgent: 100,000 steps).
    update_offset:
        No update before this many episodes (steps) (TeachMyAgent: 200,000 steps).
    count_steps:
        Count environment steps from ``feedback.length`` instead of episodes (default ``False``).
    zeta:
        Share of the expected value that the KL-to-target penalty amounts to (TeachMyAgent: 0.05).
    alpha_offset:
        Updates with ``alpha = 0`` before the schedule starts (TeachMyAgent: 0).
    max_kl:
        Trust region ``epsilon`` on ``KL(p_old || p)`` (TeachMyAgent: 0.8).
    max_buffer_size:
        Most recent contexts kept for an update; the buffer is emptied by each update (1000).
    initial_mean, initial_std:
        The initial Gaussian (task units; std defaults to 10% of each range). Without a mean, the
        mean is a uniform random point, as TeachMyAgent's "random subspace".
    target_mean, target_std:
        The target Gaussian (task units); defaults: the centre of the box, std a quarter of each
        range (TeachMyAgent's stand-in for the uniform target).
    std_lower_bound, kl_threshold:
        Optional floor (task units) on the std of each dimension, applied while ``KL(p || target)``
        exceeds ``kl_threshold``; give both or neither (TeachMyAgent: unset).
    seed:
        Seed of the teacher's generator.

    Lessons have origin ``"spdl"``. Feedback: ``episode_return``; ``extras["initial_value"]`` when
    the student reports it (preferred).
    """

    name: ClassVar[str] = "spdl"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = SPDL_PRESETS
    #: Students with a critic report ``extras["initial_value"]`` to teachers that set this.
    uses_initial_value: ClassVar[bool] = True
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        update_every: int = 100,
        update_offset: int = 200,
        count_steps: bool = False,
        zeta: float = 0.05,
        alpha_offset: int = 0,
        max_kl: float = 0.8,
        max_buffer_size: int = 1000,
        initial_mean: Sequence[float] | float | None = None,
        initial_std: Sequence[float] | float | None = None,
        target_mean: Sequence[float] | None = None,
        target_std: Sequence[float] | float | None = None,
        std_lower_bound: Sequence[float] | float | None = None,
        kl_threshold: float | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.update_every = update_every
        self.update_offset = update_offset
        self.count_steps = count_steps
        self.zeta = zeta
        self.alpha_offset = alpha_offset
        self.max_kl = max_kl
        self.max_buffer_size = max_buffer_size
        self.initial_mean = initial_mean
        self.initial_std = initial_std
        self.target_mean = target_mean
        self.target_std = target_std
        self.std_lower_bound = std_lower_bound
        self.kl_threshold = kl_threshold

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> SPDL:
        """Build with a named preset (``"teachmyagent"`` or ``"unlock_grid"``) and overrides."""
        if preset not in cls.PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(cls.PRESETS)}")
        return cls(task_space, **{**cls.PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        for name in ("update_every", "max_buffer_size"):
            v = getattr(self, name)
            if not is_int(v) or v < 1:
                raise ValueError(f"SPDL.{name}: expected a positive integer, got {v!r}")
        for name in ("update_offset", "alpha_offset"):
            v = getattr(self, name)
            if not is_int(v) or v < 0:
                raise ValueError(f"SPDL.{name}: expected a non-negative integer, got {v!r}")
        if not isinstance(self.count_steps, (bool, np.bool_)):
            raise TypeError(f"SPDL.count_steps: expected a bool, got {self.count_steps!r}")
        if not is_number(self.zeta) or not (np.isfinite(self.zeta) and self.zeta >= 0):
            raise ValueError(f"SPDL.zeta: expected a finite number >= 0, got {self.zeta!r}")
        if not is_number(self.max_kl) or not (np.isfinite(self.max_kl) and self.max_kl > 0):
            raise ValueError(f"SPDL.max_kl: expected a finite number > 0, got {self.max_kl!r}")
        space = self.task_space
        if np.any(space.width <= 0):
            raise ValueError(f"SPDL: every dimension of the task space needs low < high, got {space!r}")
        mean = self.initial_mean
        if is_number(mean):
            mean = np.full(space.dim, float(mean))  # type: ignore[arg-type]
        self.init_mean_, self.init_std_ = gaussian_params(space, mean, self.initial_std, "SPDL")  # type: ignore[arg-type]
        if self.init_std_ is not None and np.any(self.init_std_ <= 0):
            raise ValueError(f"SPDL.initial_std: expected positive values, got {self.initial_std!r}")
        t_mean = space.check(self.target_mean, "SPDL.target_mean") if self.target_mean is not None else None
        t_std = _std_param(space, self.target_std, "SPDL", "target_std")
        self.target_ = Gaussian.from_std(
            space.to_unit(t_mean) if t_mean is not None else np.full(space.dim, 0.5),
            t_std / space.width if t_std is not None else np.full(space.dim, 0.25),
        )
        if (self.std_lower_bound is None) != (self.kl_threshold is None):
            raise ValueError(
                f"SPDL.std_lower_bound / kl_threshold: give both or neither, got "
                f"std_lower_bound={self.std_lower_bound!r}, kl_threshold={self.kl_threshold!r}"
            )
        floor = _std_param(space, self.std_lower_bound, "SPDL", "std_lower_bound")
        self.std_floor_ = None if floor is None else floor / space.width
        if self.kl_threshold is not None and (not is_number(self.kl_threshold) or not self.kl_threshold >= 0):
            raise ValueError(f"SPDL.kl_threshold: expected a number >= 0, got {self.kl_threshold!r}")

    def _init_state(self) -> None:
        space = self.task_space
        if self.init_mean_ is not None:
            assert self.init_std_ is not None
            mean, std = space.to_unit(self.init_mean_), self.init_std_ / space.width
        else:
            mean, std = self.rng_.uniform(0.0, 1.0, space.dim), np.full(space.dim, 0.1)
        self.dist_ = Gaussian.from_std(mean, std)
        self.contexts_: list[np.ndarray] = []
        self.values_: list[float] = []
        self.units_ = 0
        self.n_iterations_ = 0
        self.alpha_ = 0.0
        self.n_values_ = 0

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        space = self.task_space
        draw = self.dist_.sample(self.rng_)
        return space.clip(space.from_unit(draw)), "spdl", {"context": [float(v) for v in draw]}

    def _context_of(self, lesson: Lesson) -> np.ndarray:
        """The Gaussian draw behind a lesson (unit coordinates, before clipping to the box)."""
        space = self.task_space
        raw = lesson.info.get("context")
        if raw is None:
            return space.to_unit(lesson.task)
        ctx = np.asarray(raw, dtype=np.float64) if isinstance(raw, (list, tuple, np.ndarray)) else None
        if ctx is None or ctx.shape != (space.dim,) or not np.all(np.isfinite(ctx)):
            raise ValueError(f"lesson.info['context']: expected {space.dim} finite numbers, got {raw!r}")
        if not np.array_equal(space.clip(space.from_unit(ctx)), np.asarray(lesson.task)):
            raise ValueError(
                f"lesson.info['context']: {raw!r} does not give the lesson's task {lesson.task!r}; "
                "the info must describe the task"
            )
        return ctx

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        assert feedback.episode_return is not None
        if self.count_steps and feedback.length is None:
            raise ValueError(
                "SPDL.update: count_steps=True counts environment steps from feedback.length, which this "
                "feedback lacks; report length or use count_steps=False"
            )
        context = self._context_of(lesson)
        if VALUE_KEY in feedback.extras:
            value = float(feedback.extras[VALUE_KEY])
            self.n_values_ += 1
        else:
            value = float(feedback.episode_return)
        self.contexts_.append(context)
        self.values_.append(value)
        if len(self.contexts_) > self.max_buffer_size:
            del self.contexts_[0], self.values_[0]
        before = self.units_
        self.units_ += int(feedback.length) if self.count_steps else 1  # type: ignore[arg-type]
        crossed = self.units_ // self.update_every > before // self.update_every
        if crossed and self.units_ >= self.update_offset:
            self._spdl_step()

    def _spdl_step(self) -> None:
        contexts, values = np.array(self.contexts_), np.array(self.values_)
        self.n_iterations_ += 1
        kl_target = self.dist_.kl(self.target_)
        self.alpha_ = spdl_alpha(self.n_iterations_, values, kl_target, float(self.zeta), int(self.alpha_offset))
        new = spdl_update(self.dist_, self.target_, contexts, values, self.alpha_, float(self.max_kl))
        if self.std_floor_ is not None and new.kl(self.target_) > float(self.kl_threshold):  # type: ignore[arg-type]
            chol = new.chol.copy()
            diag = np.diag_indices(new.dim)
            chol[diag] = np.maximum(chol[diag], self.std_floor_)
            new = Gaussian(new.mean, chol)
        self.dist_ = new
        self.contexts_, self.values_ = [], []

    # ------------------------------------------------------------------ inspection
    def distribution(self) -> tuple[np.ndarray, np.ndarray]:
        """The current context distribution ``(mean, covariance)`` in task units."""
        self._ensure_setup()
        w = self.task_space.width
        cov = self.dist_.chol @ self.dist_.chol.T
        return self.task_space.from_unit(self.dist_.mean), cov * np.outer(w, w)

    def _metrics(self) -> dict[str, float]:
        out = {
            "n_iterations": float(self.n_iterations_),
            "alpha": float(self.alpha_),
            "kl_to_target": self.dist_.kl(self.target_),
            "buffer_size": float(len(self.contexts_)),
            "value_reports": float(self.n_values_),
        }
        mean, cov = self.distribution()
        for i, name in enumerate(self.task_space.names):
            out[f"mean/{name}"] = float(mean[i])
            out[f"std/{name}"] = float(np.sqrt(cov[i, i]))
        return out

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        d = self.task_space.dim
        return {
            "mean": self.dist_.mean.copy(),
            "chol": self.dist_.chol.copy(),
            "contexts": np.array(self.contexts_, dtype=np.float64).reshape(-1, d),
            "values": np.array(self.values_, dtype=np.float64),
            "units": self.units_,
            "n_iterations": self.n_iterations_,
            "alpha": self.alpha_,
            "n_values": self.n_values_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        r.keys(["mean", "chol", "contexts", "values", "units", "n_iterations", "alpha", "n_values"])
        d = self.task_space.dim
        mean = r.array("mean", "f", (d,))
        chol = r.array("chol", "f", (d, d))
        if not np.all(np.diag(chol) > 0):
            raise ValueError(f"{r.where('chol')}: the diagonal must be positive (a Cholesky factor)")
        if np.any(np.triu(chol, 1) != 0):
            raise ValueError(f"{r.where('chol')}: must be lower triangular (a Cholesky factor)")
        contexts = r.array("contexts", "f", (None, d))  # Gaussian draws in unit coordinates, before clipping
        values = r.array("values", "f", (contexts.shape[0],))
        self.dist_ = Gaussian(mean, chol)
        self.contexts_ = [c.copy() for c in contexts]
        self.values_ = [float(v) for v in values]
        self.units_ = r.int("units")
        self.n_iterations_ = r.int("n_iterations")
        self.alpha_ = r.float("alpha", 0.0)
        self.n_values_ = r.int("n_values")
