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
FIT_SECONDS = 0.15  # the slow fake fit
BOUND_SECONDS = 0.075  # the stated bound on one call in background mode (half the fit; loaded machines stall)


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
    modes = [("sync", None), ("background", None), ("background", 15)] if cls is ALPGMM else [("background", 15)]
    for refit, lag in modes:
        teacher = cls(UNIT, fit_rate=20, potential_ks=(2, 3), refit=refit, refit_lag=lag, seed=0)
        worst = 0.0
        for ep in range(85):
            t0 = time.perf_counter()
            lesson = teacher.sample()
            teacher.update(lesson, _feedback(lesson.task, ep))
            worst = max(worst, time.perf_counter() - t0)
            time.sleep(0.015)  # the episode: 15 of them outlast a fit
        assert teacher.n_fits_ >= 3 and teacher.gmm_ is not None  # the mixtures were swapped in
        longest[(refit, lag)] = worst
    assert len(calls) == 4 * len(modes)
    if cls is not ALPGMM:
        assert longest[("background", 15)] < BOUND_SECONDS
        return
    assert longest[("sync", None)] >= FIT_SECONDS  # the fake fit does block a synchronous refit
    assert longest[("background", None)] < BOUND_SECONDS
    assert longest[("background", 15)] < BOUND_SECONDS


def _drive(teacher: ALPGMM, episodes: range) -> np.ndarray:
    tasks = []
    for ep in episodes:
        lesson = teacher.sample()
        tasks.append(lesson.task)
        teacher.update(lesson, _feedback(lesson.task, ep))
    return np.array(tasks)


def test_a_lagged_background_refit_is_reproducible_and_round_trips_mid_fit(monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_fit(monkeypatch)
    params = {"fit_rate": 20, "potential_ks": (2, 3), "refit": "background", "refit_lag": 5}
    first, second = ALPGMM(UNIT, **params, seed=1), ALPGMM(UNIT, **params, seed=1)
    np.testing.assert_array_equal(_drive(first, range(42)), _drive(second, range(42)))
    assert first.refit_job_ is not None and first.n_fits_ == 1  # the fit of episode 40 runs
    state = first.state_dict()  # does not wait: the running fit's inputs are part of the state
    assert first.refit_job_ is not None and state["state"]["pending_refit"]["refit_point"] == 40
    loaded = ALPGMM(UNIT, **params, seed=99)
    loaded.load_state_dict(state)
    clone = pickle.loads(pickle.dumps(first))
    for other in (loaded, clone):
        assert state_difference(other.state_dict(), state) is None
    # across the swap (episode 45) and the next refit (60): the same lessons, the same fits
    expected = _drive(first, range(42, 70))
    for other in (loaded, clone, second):
        np.testing.assert_array_equal(_drive(other, range(42, 70)), expected)
        assert other.n_fits_ == first.n_fits_ == 3


def test_state_round_trip_in_the_middle_of_a_background_refit(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    gate = threading.Event()
    _slow_fit(monkeypatch, gate)
    teacher = ALPGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", seed=1)
    _drive(teacher, range(39))
    teacher._collect_refit(wait=True)  # the first fit (episode 20) lands
    _drive(teacher, range(39, 40))
    assert teacher.refit_job_ is not None and teacher.n_fits_ == 1  # the second fit is held
    state = teacher.state_dict()
    assert state["state"]["n_fits"] == 1 and state["state"]["pending_refit"]["refit_point"] == 40
    copy = ALPGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", seed=99)
    copy.load_state_dict(state)  # starts the fit again
    clone = pickle.loads(pickle.dumps(teacher))
    for other in (copy, clone):
        assert state_difference(other.state_dict(), state) is None
    gate.set()
    for t in (teacher, copy, clone):  # the three fits land, with the same mixture
        t._collect_refit(wait=True)
        assert t.n_fits_ == 2
    assert state_difference(copy.state_dict(), teacher.state_dict()) is None
    assert state_difference(clone.state_dict(), teacher.state_dict()) is None


def test_a_refit_point_during_a_running_fit_queues_the_newest_window(monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    gate = threading.Event()
    calls = _slow_fit(monkeypatch, gate)  # the first fit takes 0.15 s, the later ones wait for the gate
    params = {"fit_rate": 20, "potential_ks": (2, 3), "refit": "background"}
    teacher = ALPGMM(UNIT, **params, seed=4)
    _drive(teacher, range(20))
    teacher._collect_refit(wait=True)  # fit 1 (episode 20) in place
    worst = 0.0
    for ep in range(20, 100):  # refit points 40, 60, 80 and 100 come while the fit of 40 is held
        t0 = time.perf_counter()
        lesson = teacher.sample()
        teacher.update(lesson, _feedback(lesson.task, ep))
        worst = max(worst, time.perf_counter() - t0)
    assert worst < BOUND_SECONDS  # nobody waited for the held fit
    assert teacher.refit_job_ is not None and teacher.refit_job_.started == 40
    assert teacher.refit_queued_ is not None and teacher.refit_queued_[2] == 100
    assert teacher.n_skipped_fits_ == 2 and teacher.n_fits_ == 1  # 60 and 80 were replaced by newer windows
    state = teacher.state_dict()
    assert state["state"]["queued_refit"]["refit_point"] == 100 and state["state"]["skipped_fits"] == 2
    loaded = ALPGMM(UNIT, **params, seed=0)
    loaded.load_state_dict(state)
    clone = pickle.loads(pickle.dumps(teacher))
    for other in (loaded, clone):
        assert state_difference(other.state_dict(), state) is None
    bad = pickle.loads(pickle.dumps(state))
    bad["state"]["pending_refit"] = None
    other = ALPGMM(UNIT, **params, seed=0)
    other.setup()
    with pytest.raises(ValueError, match="queued_refit.*behind no pending fit"):
        other.load_state_dict(bad)
    bad = pickle.loads(pickle.dumps(state))
    bad["state"]["skipped_fits"] = 3
    with pytest.raises(ValueError, match="n_fits"):
        other.load_state_dict(bad)
    assert other.n_updates_ == 0  # untouched
    gate.set()
    for t in (teacher, loaded, clone):
        t._collect_refit(wait=True)  # the fit of 40 lands and the queued fit of 100 starts
        assert t.refit_job_ is not None and t.refit_job_.started == 100 and t.refit_queued_ is None
        t._collect_refit(wait=True)
        assert t.n_fits_ == 3 and t.n_skipped_fits_ == 2
    assert state_difference(loaded.state_dict(), teacher.state_dict()) is None
    assert len(calls) >= 4


def test_a_pending_fit_in_a_state_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    _slow_fit(monkeypatch)
    teacher = CovarGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", refit_lag=10, seed=2)
    _drive(teacher, range(21))
    state = teacher.state_dict()
    bad = pickle.loads(pickle.dumps(state))
    bad["state"]["pending_refit"]["refit_point"] = 0
    other = CovarGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="background", refit_lag=10, seed=2)
    other.setup()
    with pytest.raises(ValueError, match="refit_point"):
        other.load_state_dict(bad)
    assert other.n_updates_ == 0  # untouched
    sync = CovarGMM(UNIT, fit_rate=20, potential_ks=(2, 3), seed=2)
    with pytest.raises(ValueError, match="pending_refit"):
        sync.load_state_dict(state)


def test_refit_mode_and_lag_are_validated() -> None:
    with pytest.raises(ValueError, match="refit: got 'later'"):
        ALPGMM(UNIT, refit="later").setup()
    with pytest.raises(ValueError, match="refit_lag: got 5 with refit='sync'"):
        ALPGMM(UNIT, refit_lag=5).setup()
    with pytest.raises(ValueError, match="refit_lag: got 300"):
        ALPGMM(UNIT, refit="background", refit_lag=300).setup()


def test_a_fit_in_the_worker_process_gives_the_thread_s_mixture_and_round_trips() -> None:
    params = {"fit_rate": 20, "potential_ks": (2, 3), "refit_lag": 6}
    in_process = CovarGMM(UNIT, refit="process", **params, seed=6)
    in_thread = CovarGMM(UNIT, refit="background", **params, seed=6)
    in_process.setup()  # starts the shared worker process
    np.testing.assert_array_equal(_drive(in_process, range(62)), _drive(in_thread, range(62)))
    state = in_process.state_dict()  # the fit of episode 60 is pending
    assert state["state"]["pending_refit"]["refit_point"] == 60
    loaded = CovarGMM(UNIT, refit="process", **params, seed=0)
    loaded.load_state_dict(state)
    expected = _drive(in_process, range(62, 90))
    np.testing.assert_array_equal(_drive(loaded, range(62, 90)), expected)
    np.testing.assert_array_equal(_drive(in_thread, range(62, 90)), expected)
    assert in_process.n_fits_ == loaded.n_fits_ == 4


def test_the_faster_draws_are_numpy_s_draws() -> None:
    """BoxSpace.sample and the mixture's component draw give NumPy's own values and generator states."""
    from autocurriculum.teachers.mixture import _cumulative

    src = np.random.default_rng(7)
    for trial in range(300):
        d = int(src.integers(1, 8))
        low = src.normal(size=d) * 10.0 ** src.uniform(-3, 3, size=d)
        high = low + np.abs(src.normal(size=d)) * 10.0 ** src.uniform(-3, 3, size=d)
        high[0] = low[0] if trial % 5 == 0 else high[0]  # a degenerate dimension
        space = BoxSpace(low, high)
        weights = src.random(int(src.integers(1, 12))) ** 3
        weights[0] = 0.0 if trial % 3 == 0 and weights.size > 1 else weights[0]
        probs = weights / weights.sum()
        ours, theirs = np.random.default_rng(trial), np.random.default_rng(trial)
        for _ in range(10):
            np.testing.assert_array_equal(space.sample(ours), theirs.uniform(low, high))
            j = int(_cumulative(probs).searchsorted(ours.random(), side="right"))
            assert j == int(theirs.choice(probs.size, p=probs))
        assert ours.bit_generator.state == theirs.bit_generator.state


def test_cached_lesson_fingerprints_equal_the_computed_ones() -> None:
    from autocurriculum.teachers import base

    infos = [{"component": 3}, {"component": True}, {"component": 1}, {"bound": "low", "dim": 0}, {"x": None}]
    computed = {}
    for info in infos:
        base._FINGERPRINTS.clear()
        computed[repr(info)] = base._fingerprint("gmm", info)
    for info in infos * 2:  # from the cache the second time
        assert base._fingerprint("gmm", info) == computed[repr(info)]
    assert computed[repr({"component": True})] != computed[repr({"component": 1})]
    assert base._fingerprint("gmm", {"component": 0.0}) != base._fingerprint("gmm", {"component": -0.0})


def test_the_worker_process_reports_failures_in_the_teacher_s_thread() -> None:
    import os
    import signal

    window = np.random.default_rng(0).random((20, 3))
    failing = mixture_module._FitJob(window, 1, 20, [50], "aic", 1, in_process=True)  # 50 components, 20 points
    failing.wait()
    assert isinstance(failing.error, ValueError) and "ks" in str(failing.error)
    # two jobs in flight on one worker: each result reaches its own job, whoever reads the pipe
    first = mixture_module._FitJob(window, 2, 20, [2, 3], "aic", 1, in_process=True)
    second = mixture_module._FitJob(window, 3, 20, [2, 3], "aic", 1, in_process=True)
    second.wait()
    first.wait()
    for job, seed in ((first, 2), (second, 3)):
        expected = mixture_module._fit(window, [2, 3], seed, "aic", 1)
        assert job.result is not None and np.array_equal(job.result.means, expected.means)
    # a worker that dies: the fit in flight goes to a new worker and gives the same mixture
    service = mixture_module._fit_service()
    big = np.random.default_rng(1).random((250, 6))
    job = mixture_module._FitJob(big, 4, 250, list(range(2, 11)), "aic", 1, in_process=True)
    os.kill(service._process.pid, signal.SIGKILL)
    service._process.join(timeout=10)
    with pytest.raises(mixture_module._WorkerDied, match="refit worker process .* has exited"):
        service.result(job._id)
    job.wait()
    assert job.error is None and job._restarts == 1 and mixture_module._fit_service() is not service
    assert job.result is not None
    np.testing.assert_array_equal(job.result.means, mixture_module._fit(big, list(range(2, 11)), 4, "aic", 1).means)
    teacher = CovarGMM(UNIT, fit_rate=20, potential_ks=(2, 3), refit="process", refit_lag=5, seed=0)
    _drive(teacher, range(30))
    assert teacher.n_fits_ == 1
    # a worker killed between fits, its death not yet seen: the next fit finds out and goes to a new one
    idle = mixture_module._fit_service()
    os.kill(idle._process.pid, signal.SIGKILL)
    late = mixture_module._FitJob(window, 5, 20, [2, 3], "aic", 1, in_process=True)
    late.wait()
    assert late.error is None and mixture_module._fit_service() is not idle
