"""ADS (Liu et al., ICLR 2024): the progress recognizer, the discount rule and the contract."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from autocurriculum.teachers import ADS, make_teacher
from autocurriculum.teachers.ads import (
    cost_matrix,
    discount_space,
    longest_increasing_subsequence,
    make_features,
    prefix_argmin,
)
from autocurriculum.teachers.base import Feedback
from autocurriculum.teachers.contract import parametrize_with_checks
from autocurriculum.teachers.spaces import BoxSpace

H = 40


def line_demos(n: int = 4, horizon: int = H, noise: float = 0.01, seed: int = 0) -> list[np.ndarray]:
    """Demonstrations that move steadily along a curve: every step is a new place."""
    rng = np.random.default_rng(seed)
    t = np.arange(horizon) / horizon
    base = np.stack([t, np.sin(3 * t), t**2], axis=1)
    return [base + noise * rng.normal(size=base.shape) for _ in range(n)]


def frozen_after(demo: np.ndarray, m: int) -> np.ndarray:
    """An agent that follows the demonstration for ``m`` steps, then stays where it is."""
    out = demo.copy()
    out[m:] = demo[m - 1]
    return out


# --------------------------------------------------------------------------- building blocks


def lis_quadratic(a: list[int]) -> int:
    """The O(n^2) dynamic programme: longest strictly increasing subsequence."""
    best = [1] * len(a)
    for i in range(len(a)):
        for j in range(i):
            if a[j] < a[i]:
                best[i] = max(best[i], best[j] + 1)
    return max(best, default=0)


def test_longest_increasing_subsequence_matches_the_quadratic_programme() -> None:
    rng = np.random.default_rng(0)
    for _ in range(300):
        a = rng.integers(0, 8, size=int(rng.integers(0, 25))).tolist()  # many ties: strictness matters
        assert longest_increasing_subsequence(a) == lis_quadratic(a)
    assert longest_increasing_subsequence([3, 3, 3]) == 1
    assert longest_increasing_subsequence([0, 1, 1, 2]) == 3


def test_prefix_argmin_is_the_first_argmin_of_every_prefix() -> None:
    rng = np.random.default_rng(1)
    c = rng.integers(0, 4, size=(7, 9)).astype(float)  # ties everywhere
    p = prefix_argmin(c)
    for i in range(7):
        for j in range(9):
            assert p[i, j] == int(np.argmin(c[i, : j + 1]))


def test_cost_matrices_are_the_distances() -> None:
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(4, 3))
    e = cost_matrix(x, y, "euclidean")
    c = cost_matrix(x, y, "cosine")
    for i in range(5):
        for j in range(4):
            assert e[i, j] == pytest.approx(np.linalg.norm(x[i] - y[j]), abs=1e-9)
            cos = x[i] @ y[j] / (np.linalg.norm(x[i]) * np.linalg.norm(y[j]))
            assert c[i, j] == pytest.approx(1.0 - cos, abs=1e-12)
    with pytest.raises(ValueError, match="cost: got 'manhattan'"):
        cost_matrix(x, y, "manhattan")


# --------------------------------------------------------------------------- the schedule


def reference_update(
    progress: int, trajectories: list[np.ndarray], demos: list[np.ndarray], ref: np.ndarray, horizon: int
) -> int:
    """The paper's update written plainly: loops, explicit argmins and the quadratic LIS."""
    for _ in range(5):
        matches = []
        for traj in trajectories:
            for demo in demos:
                c = cost_matrix(traj[:horizon], demo[:horizon])
                rows = min(progress, len(c))
                pos = [int(np.argmin(c[i, :progress])) for i in range(rows)]
                matches.append(lis_quadratic(pos))
        score = np.percentile(matches, 90)
        if progress >= horizon or score < int(0.9 * ref[progress - 1]):
            break
        progress += 1
    return progress


def test_reference_is_the_median_match_over_ordered_demo_pairs() -> None:
    demos = line_demos()
    t = ADS(discount_space(), demos).setup()
    for k in (1, 5, 17, H):
        pairs = []
        for i, a in enumerate(demos):
            for j, b in enumerate(demos):
                if i != j:
                    c = cost_matrix(a, b)
                    pairs.append(lis_quadratic([int(np.argmin(c[r, :k])) for r in range(k)]))
        assert t.ref_[k - 1] == pytest.approx(np.median(pairs))
    assert t.ref_[H - 1] >= 0.9 * H  # steady demonstrations follow each other almost step by step


def test_discount_is_alpha_to_the_one_over_k_starting_at_a_fifth_of_the_horizon() -> None:
    t = ADS(discount_space(), line_demos()).setup()
    assert t.horizon_ == H and t.progress_ == int(0.2 * H)
    lesson = t.sample()
    gamma = float(lesson.task[0])
    assert lesson.info["progress"] == 8
    assert gamma**8 == pytest.approx(0.2)
    assert ADS(discount_space(), line_demos(), alpha=0.5, progress_start=0.5).sample().task[0] ** 20 == (
        pytest.approx(0.5)
    )


def test_an_agent_that_follows_the_expert_advances_five_steps_per_update_up_to_the_horizon() -> None:
    demos = line_demos()
    t = ADS(discount_space(), demos).setup()
    k = t.progress_
    for _ in range(10):
        t.update(t.sample(), Feedback(trajectories=line_demos(n=3, seed=9)))
        assert t.progress_ == min(k + 5, H)
        k = t.progress_
    assert t.discount == pytest.approx(0.2 ** (1 / H))


def test_an_agent_stuck_after_m_steps_stops_the_schedule_near_m() -> None:
    demos = line_demos()
    m = 20
    agent = [frozen_after(d, m) for d in line_demos(n=3, seed=5)]
    t = ADS(discount_space(), demos).setup()
    for _ in range(10):
        t.update(t.sample(), Feedback(trajectories=agent))
    stopped = t.progress_
    for _ in range(10):
        t.update(t.sample(), Feedback(trajectories=agent))
    assert t.progress_ == stopped  # the schedule waits for the agent
    # a frozen agent matches at most m + 1 steps; the schedule stopped where that falls short
    assert t.last_score_ is not None and t.last_score_ <= m + 1
    assert t.last_score_ < int(0.9 * t.ref_[stopped - 1])
    assert m < stopped < 0.75 * H and t.discount < 0.2 ** (1 / H)


def time_stretched(demo: np.ndarray, speed: float) -> np.ndarray:
    """The same path travelled at ``speed`` times the expert's pace (linear interpolation)."""
    t = np.minimum(np.arange(len(demo)) * speed, len(demo) - 1)
    lo = np.floor(t).astype(int)
    hi = np.minimum(lo + 1, len(demo) - 1)
    w = (t - lo)[:, None]
    return demo[lo] * (1 - w) + demo[hi] * w


def test_the_recognizer_asks_for_the_expert_pace_not_only_its_path() -> None:
    # The match is a strictly increasing subsequence: an agent on the expert's path but slower
    # maps several of its steps to one expert step, so its score falls below 0.9 * ref and the
    # schedule waits. A slightly slower agent (90 %) still reaches the horizon.
    demos = line_demos(n=4, horizon=100, noise=0.001)
    finals = {}
    for speed in (1.0, 0.9, 0.6):
        agent = [time_stretched(d, speed) for d in line_demos(n=3, horizon=100, noise=0.001, seed=7)]
        t = ADS(discount_space(), demos).setup()
        for _ in range(30):
            t.update(t.sample(), Feedback(trajectories=agent))
        finals[speed] = t.progress_
    assert finals[1.0] == 100 and finals[0.9] == 100
    assert finals[0.6] < 40


def test_updates_follow_the_plainly_written_rule() -> None:
    demos = line_demos(n=3, noise=0.05)
    t = ADS(discount_space(), demos).setup()
    rng = np.random.default_rng(3)
    k = t.progress_
    for u in range(12):
        agent = [frozen_after(d, int(rng.integers(2, H))) + 0.05 * rng.normal(size=d.shape) for d in demos]
        agent.append(agent[0][: int(rng.integers(3, H))])  # an episode that ended early
        k = reference_update(k, agent, demos, t.ref_, H)
        t.update(t.sample(), Feedback(trajectories=agent))
        assert t.progress_ == k, f"update {u}"
    assert t.n_advanced_ == k - int(0.2 * H)


def test_state_and_metrics_follow_the_progress(tmp_path: Any) -> None:
    demos = line_demos()
    path = tmp_path / "demos.npz"
    np.savez(path, *demos)
    t = ADS(discount_space(), path, horizon=30).setup()  # demonstrations from a file
    assert t.horizon_ == 30 and len(t.demos_) == 4
    t.update(t.sample(), Feedback(trajectories=demos[:2]))
    m = t.metrics()
    assert m["progress"] == 11.0 and m["gamma"] == pytest.approx(0.2 ** (1 / 11))
    assert {"match_score", "ref_score"} <= set(m)
    other = ADS(discount_space(), path, horizon=30)
    other.load_state_dict(t.state_dict())
    assert other.progress_ == 11 and other.sample() == t.sample()


def test_make_teacher_builds_ads_by_name() -> None:
    t = make_teacher("ads", discount_space(), demos=line_demos(), alpha=0.3)
    assert isinstance(t, ADS) and t.alpha == 0.3


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"demos": [np.zeros((5, 2))]}, r"ADS.demos: expected at least 2 demonstration"),
        ({"demos": [np.zeros(5), np.zeros(5)]}, r"ADS.demos\[0\]: expected a \(T, obs_dim\) array"),
        ({"demos": [np.zeros((5, 2)), np.zeros((5, 3))]}, r"ADS.demos\[1\]: observation size 3"),
        ({"demos": [np.full((5, 2), np.nan), np.zeros((5, 2))]}, "non-finite"),
        ({"demos": "missing.npz"}, "no such file 'missing.npz'"),
        ({"horizon": 41}, r"ADS.horizon: expected an integer in \[1, 40\]"),
        ({"alpha": 1.0}, r"ADS.alpha: expected a number in \(0, 1\)"),
        ({"cost": "l1"}, "ADS.cost: got 'l1'"),
        ({"agent_percentile": 120}, "ADS.agent_percentile"),
        ({"max_progress_delta": 0}, "ADS.max_progress_delta"),
        ({"task_space": BoxSpace([0.5], [1.0])}, r"ADS.task_space: expected a 1-D BoxSpace containing \[alpha, 1\]"),
    ],
)
def test_bad_parameters_name_the_field(kwargs: dict[str, Any], message: str) -> None:
    params: dict[str, Any] = {"task_space": discount_space(), "demos": line_demos(), **kwargs}
    with pytest.raises(ValueError, match=message):
        ADS(**params).setup()


def test_trajectories_of_the_wrong_size_are_refused() -> None:
    t = ADS(discount_space(), line_demos()).setup()
    with pytest.raises(ValueError, match=r"feedback.trajectories\[1\]: expected a \(T, 3\) array"):
        t.update(t.sample(), Feedback(trajectories=[np.zeros((10, 3)), np.zeros((10, 2))]))


@parametrize_with_checks(
    [
        ADS(discount_space(), line_demos(n=3, horizon=15), seed=0),
        ADS(discount_space(), line_demos(n=2, horizon=12), cost="cosine", progress_start=0.5, seed=1),
    ]
)
def test_ads_contract(teacher: ADS, check: Any) -> None:
    check(teacher)


# --------------------------------------------------------------------------- features and pace


def test_features_are_indices_a_projection_or_an_encoder_and_bad_ones_are_named() -> None:
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(make_features(None, 4, "f")(x), x)
    np.testing.assert_array_equal(make_features([0, 2], 4, "f")(x), x[:, [0, 2]])
    np.testing.assert_allclose(make_features([[1, 0, 0, 0], [0, 0, 0, 0.5]], 4, "f")(x), x[:, [0, 3]] * [1.0, 0.5])
    np.testing.assert_array_equal(make_features(lambda o: o[:, :1] * 2, 4, "f")(x), x[:, :1] * 2)
    with pytest.raises(ValueError, match=r"f: indices \[4\] outside the observation's 4 values"):
        make_features([0, 4], 4, "f")
    with pytest.raises(ValueError, match=r"f\[1\]: expected a row of 4 weights"):
        make_features([[1, 0, 0, 0], [1, 0]], 4, "f")
    with pytest.raises(ValueError, match=r"f\[0\]: expected finite numbers"):
        make_features([[1, 0, 0, "x"]], 4, "f")
    with pytest.raises(ValueError, match=r"f\[0\]: expected finite numbers \(within float range\)"):
        make_features([[1, 0, 0, 10**400]], 4, "f")
    with pytest.raises(ValueError, match="f: expected None, a list of observation indices"):
        make_features("position", 4, "f")
    with pytest.raises(ValueError, match=r"f: the encoder must return finite \(T, d\) features"):
        make_features(lambda o: o[0], 4, "f")(x)
    with pytest.raises(ValueError, match=r"ADS.features: indices \[7\]"):
        ADS(discount_space(), line_demos(), features=[7]).setup()


def test_a_slower_expert_advances_on_position_features_and_stalls_on_velocities() -> None:
    # Waypoints' state is [position, velocity, visited]. The paper compares the current frame's
    # features, no velocities: an expert accelerating at 0.8 of the demonstrator's rate follows
    # the same path a little later, which positions recognise and velocities (0.8 times as
    # large early on) do not.
    from autocurriculum.environments.demonstrations import record_demonstrations
    from autocurriculum.environments.waypoints import WAYPOINTS_ID, expert_action, expert_demonstrations

    task = [0.6, 2.0]
    demos = expert_demonstrations(task, 10, seed=1000)

    def slower(env: Any, rng: np.random.Generator) -> Any:
        inner = env.unwrapped
        return lambda obs: 0.8 * expert_action(inner)

    agent = record_demonstrations(WAYPOINTS_ID, slower, 10, tasks=[task] * 10, seed=0)
    finals = {}
    for name, features in (("all", None), ("position", [0, 1]), ("velocity", [2, 3])):
        t = ADS(discount_space(), demos, features=features).setup()
        assert t.progress_ == 20
        for _ in range(30):
            t.update(t.sample(), Feedback(trajectories=agent))
        finals[name] = t.progress_
    assert finals["position"] >= 60  # past the first two of three waypoints (the expert needs about 30 steps)
    assert finals["velocity"] <= 25 and finals["all"] <= 25


def test_the_reference_of_demonstrations_at_two_paces_by_hand() -> None:
    # A moves one unit per step, B half a unit: 1-D positions. Agent A against expert B maps
    # A_i to the nearest of B's first k steps (j = 2i, capped at k - 1); agent B against expert A
    # maps B_i = i / 2 to j = floor(i / 2) (ties go to the first index). Matches (LIS) at
    # k = 1..6: A->B 1, 2, 2, 3, 3, 4; B->A 1, 1, 2, 2, 3, 3; the median of the two is their mean.
    a = np.arange(6.0)[:, None]
    b = 0.5 * np.arange(6.0)[:, None]
    t = ADS(discount_space(), [a, b]).setup()
    np.testing.assert_array_equal(t.ref_, [1.0, 1.5, 2.0, 2.5, 3.0, 3.5])
    same = ADS(discount_space(), [a, a + 0.01]).setup()  # the same pace: every step is matched
    np.testing.assert_array_equal(same.ref_, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0])


def test_demonstrations_at_varied_pace_let_a_slower_learner_advance() -> None:
    # Demonstrations at one pace make the reference k - 1: a learner slower than the expert at
    # any step stalls. At paces from 1.0 to 0.6 the reference is lower and a learner at 0.75 of
    # the fastest pace reaches the horizon.
    base = line_demos(n=6, horizon=80, noise=0.001)
    one_pace = ADS(discount_space(), base).setup()
    paces = (1.0, 0.9, 0.8, 0.7, 0.6, 0.65)
    varied = ADS(discount_space(), [time_stretched(d, p) for d, p in zip(base, paces, strict=True)]).setup()
    assert np.all(varied.ref_[10:] < one_pace.ref_[10:])
    agent = [time_stretched(d, 0.75) for d in line_demos(n=4, horizon=80, noise=0.001, seed=3)]
    for t in (one_pace, varied):
        for _ in range(30):
            t.update(t.sample(), Feedback(trajectories=agent))
    assert varied.progress_ == 80 and one_pace.progress_ < 30
