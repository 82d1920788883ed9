"""Teacher cost that does not grow with the run (issue 16): same lessons as before, no refit pauses."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import numpy as np
import pytest

from autocurriculum.environments.unlock_grid import UnlockGrid
from autocurriculum.teachers import ALPGMM, BoxSpace, CovarGMM, make_teacher
from autocurriculum.teachers import mixture as mixture_module
from autocurriculum.teachers.validation import state_difference

REFERENCE = Path(__file__).parents[1] / "fixtures" / "teacher_cost" / "reference_lessons.npz"

#: Recorded with the code before issue 16 (a k-d tree over the whole history rebuilt every 512
#: episodes, refits in the caller's thread), seed 3, on the unlock grid.
CASES = {
    "alp_gmm_d2": ("alp_gmm", 2, 10, {}, 1500),
    "alp_gmm_tma_d5": ("alp_gmm", 5, 4, {"preset": "teachmyagent"}, 1500),
    "covar_gmm_d2": ("covar_gmm", 2, 10, {}, 1500),
    "riac_d3": ("riac", 3, 6, {}, 1500),
}


def _lessons(name: str, d: int, n: int, params: dict[str, str], episodes: int, seed: int = 3) -> np.ndarray:
    grid = UnlockGrid(d, n)
    teacher = make_teacher(name, grid.task_space, seed=seed, **params)
    tasks = np.empty((episodes, d))
    for ep in range(episodes):
        lesson = teacher.sample()
        tasks[ep] = lesson.task
        teacher.update(lesson, grid.play(lesson.task))
    return tasks


@pytest.mark.parametrize("case", sorted(CASES))
def test_default_mode_gives_the_lessons_recorded_before_the_change(case: str) -> None:
    expected = np.load(REFERENCE)[case]
    np.testing.assert_array_equal(_lessons(*CASES[case]), expected)


UNIT = BoxSpace([0.0, 0.0], [1.0, 1.0])
FIT_SECONDS = 0.06  # the slow fake fit
BOUND_SECONDS = 0.025  # the stated bound on one call in background mode (the fit alone is longer)


def _slow_fit(monkeypatch: pytest.MonkeyPatch, gate: object = None) -> list[int]:
    real = mixture_module.fit_best_gmm
    calls: list[int] = []

    def fit(*args: object, **kwargs: object) -> object:
        calls.append(1)
        time.sleep(FIT_SECONDS)
        if gate is not None and len(calls) > 1:
            gate.wait()  # type: ignore[attr-defined]  # holds every fit after the first
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(mixture_module, "fit_best_gmm", fit)
    return calls


def _feedback(task: np.ndarray, ep: int) -> float:
    return float(np.clip(task[0] * (ep / 200.0), 0.0, 1.0))


@pytest.mark.parametrize("cls", [ALPGMM, CovarGMM])
def test_background_refit_never_blocks_the_caller(cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _slow_fit(monkeypatch)
    longest = {}
    for refit in ("sync", "background"):
        teacher = cls(UNIT, fit_rate=20, potential_ks=(2, 3), refit=refit, seed=0)
        worst = 0.0
        for ep in range(160):
            t0 = time.perf_counter()
            lesson = teacher.sample()
            teacher.update(lesson, _feedback(lesson.task, ep))
            worst = max(worst, time.perf_counter() - t0)
            time.sleep(0.008)  # the episode: 20 of them outlast a fit
        teacher.state_dict()  # waits for the last fit
        assert teacher.n_fits_ == 160 // 20
        longest[refit] = worst
    assert len(calls) == 16
    assert longest["sync"] >= FIT_SECONDS  # the fake fit does block a synchronous refit
    assert longest["background"] < BOUND_SECONDS


def test_state_round_trip_in_the_middle_of_a_background_refit(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    gate = threading.Event()
    _slow_fit(monkeypatch, gate)
    teacher = ALPGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", seed=1)
    for ep in range(40):
        lesson = teacher.sample()
        teacher.update(lesson, _feedback(lesson.task, ep))
    assert teacher.refit_job_ is not None and teacher.n_fits_ == 1  # the second fit runs
    threading.Timer(0.05, gate.set).start()
    state = teacher.state_dict()  # waits for it and swaps it in
    assert teacher.refit_job_ is None and teacher.n_fits_ == 2 and state["state"]["n_fits"] == 2
    copy = ALPGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", seed=99)
    copy.load_state_dict(state)
    clone = pickle.loads(pickle.dumps(teacher))
    for other in (copy, clone):
        assert state_difference(other.state_dict(), state) is None
    # no fit starts before episode 60: the three continue identically until then
    for ep in range(40, 59):
        lessons = [t.sample() for t in (teacher, copy, clone)]
        for t, lesson in zip((teacher, copy, clone), lessons, strict=True):
            np.testing.assert_array_equal(lesson.task, lessons[0].task)
            t.update(lesson, _feedback(lesson.task, ep))


def test_pickling_waits_for_a_running_background_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_fit(monkeypatch)
    teacher = CovarGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", seed=2)
    for ep in range(20):
        lesson = teacher.sample()
        teacher.update(lesson, _feedback(lesson.task, ep))
    assert teacher.refit_job_ is not None
    clone = pickle.loads(pickle.dumps(teacher))
    assert clone.refit_job_ is None and clone.n_fits_ == 1 and clone.gmm_ is not None


def test_refit_mode_is_validated() -> None:
    with pytest.raises(ValueError, match="refit: got 'later'"):
        ALPGMM(UNIT, refit="later").setup()
