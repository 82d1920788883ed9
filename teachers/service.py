"""A teacher as a Ray actor serving many learners: batched lesson prefetch, batched outcomes.

One teacher, many learner processes (a population, learners on other machines, learners that are
not SB3). :func:`serve_teacher` puts a teacher in a Ray actor (Moritz et al. 2018, *Ray: a
distributed framework for emerging AI applications*); each learner holds a
:class:`TeacherClient`, which has the teacher's interface (``sample()``, ``update()``,
``task_space``, ``requires``), so it also plugs into
:func:`~autocurriculum.environments.task_wrapper.with_teacher`:

* lessons are prefetched ``batch`` at a time: when the client's queue falls to half a batch it
  asks for the next batch without waiting, so ``sample()`` rarely blocks;
* outcomes are buffered and travel with the next request (one remote call carries both the
  outcomes and the request for lessons), or on their own once ``batch`` of them are waiting; no
  round trip per episode;
* :meth:`TeacherClient.state_dict` first delivers the buffered outcomes, then returns the
  teacher's exact ``state_dict()`` (RNG included), to be saved with the run;
  :meth:`TeacherClient.load_state_dict` restores it. Lessons prefetched but not yet played when
  the state is saved are lost on restore: the teacher counts them as sampled and never hears of
  them, as for any abandoned lesson.

Teachers accept feedback in any order and for any lesson they sampled, so batching changes when
a teacher learns of an outcome, not what it learns. Ray is the optional extra
``autocurriculum[ray]``, imported only here.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from typing import Any

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.spaces import TaskSpace

__all__ = ["TeacherClient", "TeacherService", "serve_teacher"]

RAY_MISSING = "the teacher service needs Ray; install it with: pip install 'autocurriculum[ray]'"


class TeacherService:
    """The actor body: one set-up teacher; every call is a batch."""

    def __init__(self, teacher: Teacher) -> None:
        if not isinstance(teacher, Teacher):
            raise TypeError(f"teacher: expected a autocurriculum.teachers.Teacher, got {type(teacher).__name__}")
        self.teacher = teacher.setup()
        self.n_calls = 0

    def describe(self) -> tuple[TaskSpace, frozenset[str]]:
        return self.teacher.task_space, frozenset(self.teacher.requires)

    def exchange(self, outcomes: list[tuple[Lesson, Feedback | Mapping[str, Any] | float]], n: int) -> list[Lesson]:
        """Report ``outcomes`` (oldest first), then sample ``n`` lessons."""
        self.n_calls += 1
        for lesson, feedback in outcomes:
            self.teacher.update(lesson, feedback)
        return [self.teacher.sample() for _ in range(n)]

    def metrics(self) -> dict[str, float]:
        return {**self.teacher.metrics(), "service_calls": float(self.n_calls)}

    def state_dict(self) -> dict[str, Any]:
        return self.teacher.state_dict()

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        self.teacher.load_state_dict(state)


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ImportError(RAY_MISSING) from None
    return ray


def serve_teacher(teacher: Teacher, *, num_cpus: float = 1.0, name: str | None = None) -> Any:
    """Start a :class:`TeacherService` actor for ``teacher``; return its handle (serialisable,
    pass it to each learner and build a :class:`TeacherClient` there). ``name`` makes it a named
    actor that learners can look up with ``ray.get_actor(name)``."""
    ray = _ray()
    if not ray.is_initialized():
        ray.init(include_dashboard=False, log_to_driver=False)
    options: dict[str, Any] = {"num_cpus": num_cpus}
    if name is not None:
        options["name"] = name
    return ray.remote(TeacherService).options(**options).remote(teacher)


class TeacherClient:
    """A learner's view of a served teacher, with the teacher's ``sample`` / ``update`` interface.

    Parameters
    ----------
    service:
        The handle :func:`serve_teacher` returned.
    batch:
        Lessons fetched per request, and outcomes that trigger a request of their own (default 16).
        ``batch=1`` gives a round trip per lesson and per outcome.
    """

    def __init__(self, service: Any, *, batch: int = 16) -> None:
        if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
            raise ValueError(f"batch: expected a positive integer, got {batch!r}")
        self._ray = _ray()
        self.service = service
        self.batch = batch
        self.task_space, self.requires = self._ray.get(service.describe.remote())
        self._lessons: deque[Lesson] = deque()
        self._outcomes: list[tuple[Lesson, Any]] = []
        self._inflight: Any = None
        self.n_blocking = 0  # sample() calls that had to wait for the service

    def _send(self, n: int) -> None:
        outcomes, self._outcomes = self._outcomes, []
        self._inflight = self.service.exchange.remote(outcomes, n)

    def _collect(self, wait: bool) -> None:
        if self._inflight is None:
            return
        if not wait and not self._ray.wait([self._inflight], timeout=0)[0]:
            return
        ref, self._inflight = self._inflight, None
        self._lessons.extend(self._ray.get(ref))

    def sample(self) -> Lesson:
        """The next lesson; the next batch is requested in the background at half a batch left."""
        self._collect(wait=False)
        if not self._lessons:
            if self._inflight is None:
                self._send(self.batch)
            self.n_blocking += 1
            self._collect(wait=True)
            if not self._lessons:  # the call in flight carried outcomes only
                self._send(self.batch)
                self._collect(wait=True)
        lesson = self._lessons.popleft()
        if len(self._lessons) <= self.batch // 2 and self._inflight is None:
            self._send(self.batch)
        return lesson

    def update(self, lesson: Lesson, feedback: Feedback | Mapping[str, Any] | float) -> None:
        """Buffer an outcome; it travels with the next request, or alone once ``batch`` are waiting."""
        self._outcomes.append((lesson, feedback))
        if len(self._outcomes) >= self.batch:
            # a request in flight: the outcomes wait for it, unless 4 batches pile up (back-pressure)
            self._collect(wait=len(self._outcomes) >= 4 * self.batch)
            if self._inflight is None:
                self._send(0)

    def flush(self) -> None:
        """Deliver every buffered outcome and wait until the teacher has them."""
        self._collect(wait=True)
        self._send(0)
        self._collect(wait=True)

    def metrics(self) -> dict[str, float]:
        return dict(self._ray.get(self.service.metrics.remote()))

    def state_dict(self) -> dict[str, Any]:
        """The served teacher's exact state, after this client's buffered outcomes reached it."""
        self.flush()
        return self._ray.get(self.service.state_dict.remote())

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore the served teacher; lessons this client had prefetched are dropped."""
        self.flush()
        self._ray.get(self.service.load_state_dict.remote(state))
        self._lessons.clear()
