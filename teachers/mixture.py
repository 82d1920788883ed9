"""The shared machinery of the Gaussian-mixture teachers (ALP-GMM, Covar-GMM).

Both teachers of Portelas et al., CoRL 2019 (teachDeepRL) follow one schedule: the first
``fit_rate`` tasks are a bootstrap (uniform, or an initial Gaussian); afterwards every
``fit_rate`` episodes, mixtures with each ``k`` in ``potential_ks`` are fitted on the last
``fit_rate`` window vectors and the best by AIC (BIC, AICc) is kept; tasks are drawn uniformly
with probability ``random_task_ratio``, otherwise from a component chosen in proportion to its
learning-progress weight, with the non-task coordinates dropped and the task clipped to the box.
They differ in what a window vector holds and how a component's weight is read:
:meth:`MixtureTeacher._window_row` and :meth:`MixtureTeacher._component_weights`.

Refits run in the caller's thread at the refit point (``refit="sync"``, the default: the
schedule above, exactly reproducible from the seed) or, with ``refit="background"`` or
``"process"``, in a background thread or a shared worker process started at the refit point and
swapped in as soon as it is ready or exactly ``refit_lag`` updates later (see
:class:`MixtureTeacher`).

Tasks are handled in unit-cube coordinates (``task_space.to_unit``) so that every dimension
weighs by its range whatever its units. When every component weight is zero the component is
chosen uniformly (the reference divided by zero).
"""

from __future__ import annotations

import abc
import os
import threading
import time
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.gmm import CRITERIA, GaussianMixture, fit_best_gmm
from autocurriculum.teachers.random_teacher import gaussian_params
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import StateReader, is_int

__all__ = ["REFIT_MODES", "MixtureTeacher", "check_return_bounds", "normalise_return"]

REFIT_MODES = ("sync", "background", "process")


def normalise_return(value: float, bounds: tuple[float, float] | None, owner: str) -> float:
    """Map an episodic return linearly from ``bounds`` to [0, 1], clipped (Portelas et al. 2019).

    With ``bounds=None`` the return must already lie in [0, 1].
    """
    if bounds is None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(
                f"{owner}: episode_return={value!r} lies outside [0, 1]; pass return_bounds=(low, high) "
                "to normalise raw returns (BipedalWalker tracks use (-150, 350))"
            )
        return value
    low, high = bounds
    return float(min(1.0, max(0.0, (value - low) / (high - low))))


def check_return_bounds(bounds: Sequence[float] | None, owner: str) -> tuple[float, float] | None:
    if bounds is None:
        return None
    b = tuple(float(v) for v in bounds)
    if len(b) != 2 or not np.all(np.isfinite(b)) or not b[0] < b[1]:
        raise ValueError(f"{owner}.return_bounds: expected (low, high) with finite low < high, got {bounds!r}")
    return b  # type: ignore[return-value]


class MixtureTeacher(Teacher):
    """Base of the GMM teachers: bootstrap, periodic refits, sampling by component weight.

    Subclasses set ``PRESETS`` and implement :meth:`_window_row` (the vector stored for an
    episode; its first ``dim`` coordinates are the unit-cube task) and
    :meth:`_component_weights` (one non-negative weight per fitted component). The constructor
    parameters are documented on the subclasses; ``refit`` is shared:

    ``refit="sync"`` (default) fits the mixtures in the caller's thread at the refit point, with
    the teacher's generator: the lessons are a deterministic function of the seed and the
    feedback (resume and benchmarks reproduce exactly), and the update that reaches a refit point
    takes the whole fit (milliseconds to a hundred, growing with the dimension).

    ``refit="background"`` starts the fit at the refit point in a background thread, on a copy of
    the window and a generator seeded from the teacher's, while the previous mixture (or the
    bootstrap) keeps serving. When the new mixture takes over is set by ``refit_lag``:

    * ``None`` (default): at the first ``sample()`` or ``update()`` that finds it ready. Nothing
      ever waits for a fit: when a refit point comes while the previous fit still runs (a fit
      longer than ``fit_rate`` episodes, as on very short episodes), the new fit is queued and
      starts as soon as the running one lands; a queued fit that a newer refit point finds still
      waiting is dropped for the newer window (counted in ``skipped_fits``). Which lessons see the
      new mixture depends on thread timing: runs are not reproducible from the seed.
    * an integer ``k`` in [1, fit_rate]: exactly ``k`` updates after the refit point (that update
      waits if the fit is not done). Runs are reproducible from the seed (not identical to
      ``"sync"``: the mixture arrives ``k`` episodes later and is fitted with its own generator),
      and nothing waits as long as a fit takes less than ``k`` episodes.

    A background thread shares Python's GIL: the fit's interpreted parts take turns with the
    caller (calls landing during a fit may wait a few ms for the GIL), only numpy's larger
    operations run in parallel. ``refit="process"`` is the same schedule (``refit_lag`` included)
    with the fit in a worker process (one per Python process, shared by every teacher, started by
    ``multiprocessing``'s ``forkserver`` method when the first such teacher is set up, which takes
    about a second): no GIL to share, at the price of a process and of pickling the window and
    the mixture (microseconds). The window goes down a pipe from the caller's thread and the
    teacher looks for the mixture on that pipe at most once a millisecond, so no helper thread has
    to win the GIL from a busy caller before a fit starts or lands. If the worker dies, the fit in
    flight is sent again to a new one (same seed, same mixture). A script using it must guard its top level with
    ``if __name__ == "__main__":``, as always with ``multiprocessing``. A fit still running belongs to the
    state: ``state_dict()`` and pickling record its inputs (window copy, seed, refit point) without
    waiting, and a loaded or unpickled teacher starts it again, so round trips are exact.
    """

    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = {}
    extra_dims: ClassVar[int] = 1  # window coordinates after the task
    _more_state_keys: ClassVar[tuple[str, ...]] = ()  # state keys a subclass adds
    _finish_every: ClassVar[int] = 0  # complete lazy window rows every this many episodes (0: at reads only)
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        fit_rate: int = 250,
        potential_ks: Sequence[int] = tuple(range(2, 11)),
        random_task_ratio: float = 0.2,
        criterion: str = "aic",
        n_init: int = 1,
        initial_mean: Sequence[float] | None = None,
        initial_std: Sequence[float] | float | None = None,
        return_bounds: tuple[float, float] | None = None,
        refit: str = "sync",
        refit_lag: int | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.refit = refit
        self.refit_lag = refit_lag
        self.fit_rate = fit_rate
        self.potential_ks = potential_ks
        self.random_task_ratio = random_task_ratio
        self.criterion = criterion
        self.n_init = n_init
        self.initial_mean = initial_mean
        self.initial_std = initial_std
        self.return_bounds = return_bounds

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> MixtureTeacher:
        """Build with a named preset (see ``PRESETS``) and overrides."""
        if preset not in cls.PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(cls.PRESETS)}")
        return cls(task_space, **{**cls.PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = type(self).__name__
        if not isinstance(self.refit, str) or self.refit not in REFIT_MODES:
            raise ValueError(f"{owner}.refit: got {self.refit!r}; allowed: {list(REFIT_MODES)}")
        lag = self.refit_lag
        if lag is not None and (self.refit == "sync" or not is_int(lag) or not 1 <= lag <= self.fit_rate):
            raise ValueError(
                f"{owner}.refit_lag: got {lag!r} with refit={self.refit!r}; allowed: None, or with refit='background' "
                f"or 'process' an integer in [1, fit_rate={self.fit_rate!r}]"
            )
        if not is_int(self.fit_rate) or self.fit_rate < 2:
            raise ValueError(f"{owner}.fit_rate: expected an integer >= 2, got {self.fit_rate!r}")
        ks = list(self.potential_ks)
        if not ks or any(not is_int(k) or k < 1 for k in ks):
            raise ValueError(
                f"{owner}.potential_ks: expected a non-empty list of positive integers, got {self.potential_ks!r}"
            )
        if max(ks) > self.fit_rate:
            raise ValueError(
                f"{owner}.potential_ks: {max(ks)} components cannot be fitted on fit_rate={self.fit_rate} points"
            )
        if not 0.0 <= float(self.random_task_ratio) <= 1.0:
            raise ValueError(
                f"{owner}.random_task_ratio: expected a probability in [0, 1], got {self.random_task_ratio!r}"
            )
        if self.criterion not in CRITERIA:
            raise ValueError(f"{owner}.criterion: got {self.criterion!r}; allowed: {list(CRITERIA)}")
        if not is_int(self.n_init) or self.n_init < 1:
            raise ValueError(f"{owner}.n_init: expected a positive integer, got {self.n_init!r}")
        self.mean_, self.std_ = gaussian_params(self.task_space, self.initial_mean, self.initial_std, owner)
        self.bounds_ = check_return_bounds(self.return_bounds, owner)

    def _init_state(self) -> None:
        if self.refit == "process":
            _fit_service()  # start the worker now (about a second, once per process)
        self.window_ = np.zeros((self.fit_rate, self.task_space.dim + self.extra_dims))  # ring buffer
        self.n_stored_ = 0
        self.gmm_: GaussianMixture | None = None
        self.n_fits_ = 0
        self.origin_counts_ = {"bootstrap": 0, "random": 0, "gmm": 0}
        self._cdf_for_: GaussianMixture | None = None  # the mixture whose component CDF _cdf_ holds
        self._cdf_ = np.ones(1)
        self.refit_job_: _FitJob | None = None
        self.refit_queued_: tuple[np.ndarray, int, int] | None = None  # (window, seed, refit point) next in line
        self.n_skipped_fits_ = 0

    # ------------------------------------------------------------------ hooks
    @abc.abstractmethod
    def _window_row(self, task_unit: np.ndarray, reward: float) -> np.ndarray:
        """The window vector of an episode (task in unit coordinates first); may update state.

        It may stop short of the window's width: the coordinates it leaves out are computed later
        by :meth:`_finish_window` (which every read of the window calls first)."""

    @abc.abstractmethod
    def _component_weights(self, gmm: GaussianMixture) -> np.ndarray:
        """A non-negative learning-progress weight per component."""

    def _finish_window(self) -> None:
        """Complete window rows whose values are computed lazily (ALP-GMM's ALPs); default: none."""

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        if self.refit_lag is None:
            self._collect_refit(wait=False)
        space = self.task_space
        if self.gmm_ is None:
            self.origin_counts_["bootstrap"] += 1
            if self.mean_ is not None:
                return space.clip(self.rng_.normal(self.mean_, self.std_)), "bootstrap", {}
            return space.sample(self.rng_), "bootstrap", {}
        if self.rng_.random() < self.random_task_ratio:
            self.origin_counts_["random"] += 1
            return space.sample(self.rng_), "random", {}
        gmm = self.gmm_
        if self._cdf_for_ is not gmm:  # the components' cumulative probabilities, once per mixture
            weights = np.maximum(self._component_weights(gmm), 0.0)
            total = weights.sum()
            probs = weights / total if total > 0 else np.full(weights.shape, 1.0 / weights.size)
            self._cdf_, self._cdf_for_ = _cumulative(probs), gmm
        # int(rng.choice(k, p=probs)) without its argument checks: the same draw and generator state
        j = int(self._cdf_.searchsorted(self.rng_.random(), side="right"))
        point = gmm.sample_component(j, self.rng_)[: space.dim]
        self.origin_counts_["gmm"] += 1
        return space.clip(space.from_unit(point)), "gmm", {"component": j}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        assert feedback.episode_return is not None
        r = normalise_return(feedback.episode_return, self.bounds_, f"{type(self).__name__}.update")
        if self.refit_lag is None:
            self._collect_refit(wait=False)
        row = self._window_row(self.task_space.to_unit(lesson.task), r)
        self.window_[self.n_stored_ % self.fit_rate, : row.shape[0]] = row
        self.n_stored_ += 1
        if self._finish_every and self.n_stored_ % self._finish_every == 0:
            self._finish_window()  # in small batches: no long call at the refit point
        job = self.refit_job_
        if job is not None and self.refit_lag is not None and self.n_stored_ == job.started + self.refit_lag:
            self._collect_refit(wait=True)
        if self.n_stored_ % self.fit_rate == 0:
            # The ring holds exactly the last fit_rate vectors, in order.
            self._finish_window()
            if self.refit == "sync":
                self.gmm_ = fit_best_gmm(
                    self.window_, list(self.potential_ks), self.rng_, criterion=self.criterion, n_init=int(self.n_init)
                )
                self.n_fits_ += 1
            elif self.refit_lag is None:
                self._collect_refit(wait=False)
                inputs = (self.window_.copy(), int(self.rng_.integers(2**63)), self.n_stored_)
                if self.refit_job_ is None:
                    self._start_refit(*inputs)
                else:  # the previous fit still runs: this one starts when it lands, unless a newer one comes first
                    self.n_skipped_fits_ += self.refit_queued_ is not None
                    self.refit_queued_ = inputs
            else:  # the previous fit was swapped in refit_lag <= fit_rate updates after its refit point
                self._collect_refit(wait=True)
                self._start_refit(self.window_.copy(), int(self.rng_.integers(2**63)), self.n_stored_)

    def _start_refit(self, window: np.ndarray, seed: int, started: int) -> None:
        args = (window, seed, started, list(self.potential_ks), self.criterion, int(self.n_init))
        self.refit_job_ = _FitJob(*args, in_process=self.refit == "process")

    def _collect_refit(self, *, wait: bool) -> None:
        """Swap in a finished background fit (waiting for a running one with ``wait``), then start
        the fit queued behind it, if any."""
        job = self.refit_job_
        if job is None or not (wait or job.ready()):
            return
        job.wait()
        self.refit_job_ = None
        if job.error is not None:
            raise job.error
        self.gmm_ = job.result
        self.n_fits_ += 1
        if self.refit_queued_ is not None:
            queued, self.refit_queued_ = self.refit_queued_, None
            self._start_refit(*queued)

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        job = state.pop("refit_job_", None)
        state["_pending_refit"] = None if job is None else (job.window, job.seed, job.started)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        pending = state.pop("_pending_refit", None)
        self.__dict__.update(state)
        self.refit_job_ = None
        if pending is not None:
            self._start_refit(*pending)

    def _recent(self) -> np.ndarray:
        self._finish_window()
        return self.window_[: min(self.n_stored_, self.fit_rate)]

    def _metrics(self) -> dict[str, float]:
        out = {
            "n_fits": float(self.n_fits_),
            "n_components": float(self.gmm_.n_components if self.gmm_ is not None else 0),
        }
        if self.refit != "sync":
            out["skipped_fits"] = float(self.n_skipped_fits_)
        if self.gmm_ is not None:
            out["mean_component_weight"] = float(np.maximum(self._component_weights(self.gmm_), 0).mean())
        out.update({f"origin/{k}": float(v) for k, v in self.origin_counts_.items()})
        return out

    def plot_data(self) -> dict[str, Any]:
        """Recent tasks with their window value (last coordinate), and the mixture in task coordinates."""
        self._ensure_setup()
        recent = self._recent()
        d = self.task_space.dim
        out: dict[str, Any] = {
            "tasks": self.task_space.from_unit(recent[:, :d]),
            "value": recent[:, -1].copy(),
            "means": None,
            "covariances": None,
            "weights": None,
        }
        if self.gmm_ is not None:
            scale = self.task_space.width
            out["means"] = self.task_space.from_unit(self.gmm_.means[:, :d])
            out["covariances"] = self.gmm_.covariances[:, :d, :d] * np.outer(scale, scale)
            out["weights"] = self._component_weights(self.gmm_)
        return out

    # ------------------------------------------------------------------ checkpoints
    def _get_state(self) -> dict[str, Any]:
        self._finish_window()
        state = {
            "window": self.window_.copy(),
            "n_stored": self.n_stored_,
            "gmm": None if self.gmm_ is None else self.gmm_.to_state(),
            "n_fits": self.n_fits_,
            "origin_counts": dict(self.origin_counts_),
        }
        if self.refit != "sync":  # a fit still running (started again on load) and the one queued behind it
            job, queued = self.refit_job_, self.refit_queued_
            state["pending_refit"] = (
                None if job is None else {"window": job.window.copy(), "seed": job.seed, "refit_point": job.started}
            )
            state["queued_refit"] = (
                None if queued is None else {"window": queued[0].copy(), "seed": queued[1], "refit_point": queued[2]}
            )
            state["skipped_fits"] = self.n_skipped_fits_
        return state

    def _set_state(self, state: dict[str, Any]) -> None:
        r = self._state_reader(state)
        background = ["pending_refit"] if self.refit != "sync" else []
        optional = ["queued_refit", "skipped_fits"] if background else []  # absent from states written before
        r.keys(["window", "n_stored", "gmm", "n_fits", "origin_counts", *background, *self._more_state_keys], optional)
        fit_rate, width = int(self.fit_rate), self.task_space.dim + self.extra_dims
        # every window coordinate lies in [0, 1]: unit-cube tasks, normalised returns, ALP, relative time
        self.window_ = r.array("window", "f", (fit_rate, width), 0.0, 1.0)
        self.n_stored_ = r.int("n_stored", 0, self.n_updates_)
        n_points = self.n_stored_ // fit_rate
        last_point = n_points * fit_rate
        # refit_lag=None: a fit started at the last refit point may wait behind the previous one
        queued = None
        if background and r.state.get("queued_refit") is not None:
            q = r.sub("queued_refit")
            q.keys(["window", "seed", "refit_point"])
            queued = (
                q.array("window", "f", (fit_rate, width), 0.0, 1.0),
                q.int("seed", 0, 2**63 - 1),
                q.int("refit_point", last_point, last_point),
            )
            if self.refit_lag is not None or r.get("pending_refit") is None:
                raise ValueError(
                    f"{q.where('window')}: a fit queued "
                    + ("behind no pending fit" if self.refit_lag is None else f"with refit_lag={self.refit_lag}")
                    + "; only refit_lag=None queues a fit behind a running one; the state is inconsistent"
                )
        pending = None
        if background and r.get("pending_refit") is not None:
            p = r.sub("pending_refit")
            p.keys(["window", "seed", "refit_point"])
            if last_point == 0:
                raise ValueError(
                    f"{p.where('window')}: a pending fit before the first refit point; the state is inconsistent"
                )
            last = None if self.refit_lag is None else last_point + int(self.refit_lag) - 1
            # behind a queued fit, the running one started at an earlier refit point
            low, high = (fit_rate, last_point - fit_rate) if queued is not None else (last_point, last_point)
            pending = (
                p.array("window", "f", (fit_rate, width), 0.0, 1.0),
                p.int("seed", 0, 2**63 - 1),
                p.int("refit_point", low, high),
            )
            if pending[2] % fit_rate:
                raise ValueError(
                    f"{p.where('refit_point')}: {pending[2]} is not a refit point (a multiple of fit_rate={fit_rate})"
                )
            if last is not None and self.n_stored_ > last:
                raise ValueError(
                    f"{p.where('refit_point')}: the fit started at episode {last_point} is still pending after "
                    f"{self.n_stored_} episodes, beyond refit_lag={self.refit_lag}; the state is inconsistent"
                )
        if background and pending is None and self.refit_lag is not None and 0 < last_point:
            if self.n_stored_ < last_point + int(self.refit_lag):
                raise ValueError(
                    f"{r.where('pending_refit')}: None, but the fit started at episode {last_point} is due only at "
                    f"episode {last_point + int(self.refit_lag)} (refit_lag={self.refit_lag}); the state is inconsistent"
                )
        skipped = 0
        if "skipped_fits" in r.state:
            skipped = r.int("skipped_fits", 0, 0 if self.refit_lag is not None else n_points)
        done = n_points - (pending is not None) - (queued is not None) - skipped
        if done < 0:
            raise ValueError(
                f"{r.where('skipped_fits')}: {skipped} skipped fits, with {n_points} refit points and "
                f"{(pending is not None) + (queued is not None)} fits pending; the state is inconsistent"
            )
        self.n_fits_ = r.int("n_fits", done, done)
        if r.get("gmm") is None:
            if self.n_fits_:
                raise ValueError(f"{r.where('gmm')}: None after {self.n_fits_} fits; the state is inconsistent")
            self.gmm_ = None
        else:
            self.gmm_ = self._read_gmm(r.sub("gmm"), width)
        self.origin_counts_ = r.counts("origin_counts", ["bootstrap", "random", "gmm"], total=self.n_sampled_)
        self.n_skipped_fits_ = skipped
        self.refit_queued_ = queued
        if pending is not None:
            self._start_refit(*pending)

    def _read_gmm(self, g: StateReader, width: int) -> GaussianMixture:
        g.keys(["weights", "means", "covariances", "chol", "criterion", "log_likelihood", "n_iter", "converged"])
        weights = g.array("weights", "f", (None,), 0.0)
        k = weights.shape[0]
        if k not in [int(v) for v in self.potential_ks]:
            raise ValueError(
                f"{g.where('weights')}: a mixture of {k} components, not one of potential_ks={list(self.potential_ks)}"
            )
        return GaussianMixture(
            weights=weights,
            means=g.array("means", "f", (k, width)),
            covariances=g.array("covariances", "f", (k, width, width)),
            chol=g.array("chol", "f", (k, width, width)),
            criterion=g.float("criterion"),  # type: ignore[arg-type]
            log_likelihood=g.float("log_likelihood"),  # type: ignore[arg-type]
            n_iter=g.int("n_iter"),
            converged=g.bool("converged"),
        )


def _cumulative(probs: np.ndarray) -> np.ndarray:
    """The normalised cumulative sum that ``Generator.choice(k, p=probs)`` draws from (NumPy's
    inverse-CDF method): ``cdf.searchsorted(rng.random(), side="right")`` is its draw."""
    cdf = probs.cumsum()
    cdf /= cdf[-1]
    return cdf


class _FitJob:
    """:func:`~autocurriculum.teachers.gmm.fit_best_gmm` on a copy of the window, with its inputs.

    ``refit="background"`` runs it in a daemon thread; ``refit="process"`` sends it to the shared
    worker process (:class:`_FitService`) from the caller's thread and reads the result back when
    :meth:`ready` finds it there, so no other thread of this process has to take the GIL for a fit
    to start or land.
    """

    def __init__(
        self,
        window: np.ndarray,
        seed: int,
        started: int,
        ks: list[int],
        criterion: str,
        n_init: int,
        *,
        in_process: bool = False,
    ) -> None:
        self.window, self.seed, self.started = window, seed, started
        self.result: GaussianMixture | None = None
        self.error: BaseException | None = None
        self._done = threading.Event()
        args = (window, ks, seed, criterion, n_init)
        if in_process:
            self._args, self._restarts = args, 0
            self._service: _FitService | None = None
            self._send()
            self._polled = time.perf_counter()
        else:
            self._service = None
            threading.Thread(target=self._run, args=args, daemon=True, name="autocurriculum-gmm-refit").start()

    def _run(self, window: np.ndarray, ks: list[int], seed: int, criterion: str, n_init: int) -> None:
        try:
            self.result = _fit(window, ks, seed, criterion, n_init)
        except BaseException as e:  # noqa: BLE001 - re-raised in the caller's thread at the swap
            self.error = e
        finally:
            self._done.set()

    def ready(self) -> bool:
        """Whether the fit has landed (for the worker process: a look at its pipe at most every
        :data:`_POLL_SECONDS`, a system call, not at every lesson)."""
        if self._done.is_set() or self._service is None:
            return self._done.is_set()
        now = time.perf_counter()
        if now - self._polled >= _POLL_SECONDS:
            self._polled = now
            try:
                outcome = self._service.poll(self._id)
            except _WorkerDied:
                self._resubmit()
                return False
            if outcome is not None:
                self._land(outcome)
        return self._done.is_set()

    def wait(self) -> None:
        """Block until the fit has landed."""
        while self._service is not None and not self._done.is_set():
            try:
                self._land(self._service.result(self._id))
            except _WorkerDied:
                self._resubmit()
        self._done.wait()

    def _resubmit(self) -> None:
        """The worker died with this fit in flight: send it to a new worker (the same seed, the
        same mixture)."""
        self._restarts += 1
        self._send()

    def _send(self) -> None:
        """Send the fit to the shared worker (a new one if it has died), at most
        :data:`_MAX_RESTARTS` times after a worker died with it."""
        while True:
            if self._restarts > _MAX_RESTARTS:
                raise RuntimeError(
                    f"refit='process': the worker process died {self._restarts} times with the fit started at "
                    f"episode {self.started}; giving up"
                )
            self._service = _fit_service()
            try:
                self._id = self._service.submit(self._args)
                return
            except _WorkerDied:
                self._restarts += 1

    def _land(self, outcome: tuple[bool, Any]) -> None:
        ok, value = outcome
        if ok:
            self.result = value
        else:
            self.error = value
        self._done.set()

    def __del__(self) -> None:
        service = getattr(self, "_service", None)
        if service is not None and not self._done.is_set():
            try:
                service.forget(self._id)  # a dropped teacher: its result is not kept when it comes
            except Exception:  # noqa: BLE001, S110 - interpreter shutdown
                pass


def _fit(window: np.ndarray, ks: list[int], seed: int, criterion: str, n_init: int) -> GaussianMixture:
    return fit_best_gmm(window, ks, np.random.default_rng(seed), criterion=criterion, n_init=n_init)


#: How often a teacher in ``refit="process"`` mode looks at the worker's pipe for its fit.
_POLL_SECONDS = 0.001
#: New workers a fit may be sent to after the one running it died.
_MAX_RESTARTS = 2


class _WorkerDied(RuntimeError):
    """The worker process of ``refit="process"`` exited."""


class _FitService:
    """The worker process of ``refit="process"``: one per Python process, shared by its teachers.

    Jobs go down a pipe from the caller's thread, one at a time per teacher, and results come
    back on the same pipe, read by whichever teacher looks first (a lock serialises the pipe;
    results are kept by job until their teacher asks). The worker is started with the
    ``forkserver`` method and answers a first message before :func:`_fit_service` returns, so no
    lesson waits for it to start.
    """

    def __init__(self) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("forkserver")
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_serve_fits, args=(child,), daemon=True, name="autocurriculum-gmm-refit")
        self._process.start()
        child.close()
        self.pid = os.getpid()  # the process that owns the pipe (a forked child starts its own)
        self._lock = threading.RLock()  # re-entered when a collected job forgets itself mid-call
        self._next_id = 0
        self._results: dict[int, tuple[bool, Any]] = {}
        self._forgotten: set[int] = set()
        self._dead = False  # set when the pipe shows the worker gone (before the process is reaped)
        ping = self.submit(None)
        self.result(ping)  # the worker is up

    def submit(self, args: Any) -> int:
        with self._lock:
            self._drain(block=False)  # never let finished results fill the pipe
            job_id = self._next_id
            self._next_id += 1
            try:
                self._conn.send((job_id, args))
            except OSError:
                self._dead = True
                raise _WorkerDied(f"the refit worker process (pid {self._process.pid}) of refit='process' has exited") from None
            return job_id

    def poll(self, job_id: int) -> tuple[bool, Any] | None:
        """The outcome ``(ok, mixture or exception)`` of a job if it has come back, else ``None``."""
        with self._lock:
            self._drain(block=False)
            return self._results.pop(job_id, None)

    def result(self, job_id: int) -> tuple[bool, Any]:
        """The outcome of a job, waiting for it."""
        with self._lock:
            while job_id not in self._results:
                self._drain(block=True)
            return self._results.pop(job_id)

    def forget(self, job_id: int) -> None:
        with self._lock:
            if self._results.pop(job_id, None) is None:
                self._forgotten.add(job_id)

    def _drain(self, *, block: bool) -> None:
        """Read the results waiting on the pipe (at least one with ``block``)."""
        try:
            while block or self._conn.poll():
                block = False
                job_id, outcome = self._conn.recv()
                if job_id in self._forgotten:
                    self._forgotten.discard(job_id)
                else:
                    self._results[job_id] = outcome
        except (EOFError, OSError):
            self._dead = True
            raise _WorkerDied(
                f"the refit worker process (pid {self._process.pid}) of refit='process' has exited "
                f"(exit code {self._process.exitcode})"
            ) from None

    def alive(self) -> bool:
        return not self._dead and self._process.is_alive()

    def close(self) -> None:
        """Stop the worker (at exit: a fit in flight is not waited for)."""
        self._conn.close()
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=5)


def _serve_fits(conn: Any) -> None:
    """The worker process's loop: fit each job received, send its outcome back, until EOF."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1):  # one core: the caller's process keeps the other
        while True:
            try:
                job_id, args = conn.recv()
            except (EOFError, OSError):
                return
            try:
                outcome: tuple[bool, Any] = (True, None if args is None else _fit(*args))
            except Exception as e:  # noqa: BLE001 - sent back, re-raised in the teacher's thread
                outcome = (False, e)
            try:
                conn.send((job_id, outcome))
            except OSError:  # the teachers' process has gone (its pipe is closed)
                return
            except Exception as e:  # noqa: BLE001 - an exception that does not pickle
                conn.send((job_id, (False, RuntimeError(f"the fit failed with {outcome[1]!r} ({e!r})"))))


_SERVICE: _FitService | None = None
_SERVICE_LOCK = threading.Lock()


def _fit_service() -> _FitService:
    """The worker process of ``refit="process"``, started on first use (one per Python process)."""
    global _SERVICE
    with _SERVICE_LOCK:
        if _SERVICE is None or _SERVICE.pid != os.getpid() or not _SERVICE.alive():
            import atexit

            _SERVICE = _FitService()
            atexit.register(_SERVICE.close)
        return _SERVICE
