"""TensorBoard: one entry per run, HParams with teacher and seed, only changing scalars, task-space images."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from autocurriculum.experiments.config import parse_config
from autocurriculum.experiments.monitor import TeacherMonitor, colour_scale
from autocurriculum.experiments.plots import figure_to_array, task_space_figure
from autocurriculum.experiments.runner import run_experiment
from autocurriculum.teachers import ALPGMM, BoxSpace, Random
from tests.experiments.test_runner import grid_config


class RecordingWriter:
    def __init__(self) -> None:
        self.scalars: dict[str, list[tuple[int, float]]] = {}
        self.images: list[tuple[str, np.ndarray]] = []

    def add_scalar(self, tag: str, value: float, step: int) -> None:
        self.scalars.setdefault(tag, []).append((step, value))

    def add_image(self, tag: str, img: np.ndarray, step: int, dataformats: str = "CHW") -> None:
        self.images.append((tag, img))

    def add_histogram(self, *args: Any) -> None:
        pass


def test_only_scalars_that_change_are_written_from_their_first_value() -> None:
    writer = RecordingWriter()
    monitor = TeacherMonitor(writer)
    for step in (10, 20, 30):
        monitor.scalar("student/gamma", 0.999, step)
    monitor.scalar("student/wall_seconds", 1.0, 10)
    monitor.scalar("student/wall_seconds", 1.0, 20)
    monitor.scalar("student/wall_seconds", 3.0, 30)
    assert "student/gamma" not in writer.scalars
    assert writer.scalars["student/wall_seconds"] == [(10, 1.0), (30, 3.0)]
    monitor.teacher_scalars(Random(BoxSpace([0.0], [1.0]), seed=0), 10)  # teachers' metrics: always


def test_tensorboard_one_entry_per_run_with_hparams_and_final_metrics(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from tensorboard.plugins.hparams import plugin_data_pb2

    cfg = parse_config(grid_config(tmp_path, seeds=[3], teachers=[{"name": "alp_gmm", "params": {"fit_rate": 100}}]))
    run_experiment(cfg, progress_bar=False)
    tb = cfg.runs()[0].run_dir / "tensorboard"
    assert [p for p in tb.iterdir() if p.is_dir()] == []  # no separate hparams run
    acc = EventAccumulator(str(tb))
    acc.Reload()
    tags = acc.Tags()
    assert {"student/episode_return", "eval/mastered_percent", "teacher/n_components", "teacher/mean_alp"} <= set(
        tags["scalars"]
    )
    assert {"teacher/task/x0", "teacher/task/x1"} <= set(tags["histograms"])
    assert tags["images"] == ["task_space/learning_progress"]
    assert [e.step for e in acc.Scalars("eval/mastered_percent")] == [500, 1000, 1500, 2000, 2500, 3000]
    final = acc.Scalars("final/mastered_percent")
    assert [e.step for e in final] == [3000]
    assert final[0].value == acc.Scalars("eval/mastered_percent")[-1].value
    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(content["_hparams_/session_start_info"]).session_start_info
    assert start.hparams["teacher"].string_value == "alp_gmm"
    assert start.hparams["seed"].number_value == 3
    assert start.hparams["teacher.fit_rate"].number_value == 100


def test_task_space_image_has_a_fixed_learning_progress_scale_and_named_axes() -> None:
    space = BoxSpace([0.0, 0.0], [3.0, 6.0], names=["stump_height", "obstacle_spacing"])
    teacher = ALPGMM(space, return_bounds=(0.0, 1.0), seed=0, fit_rate=50)
    rng = np.random.default_rng(0)
    for _ in range(200):
        lesson = teacher.sample()
        teacher.update(lesson, float(rng.random()))
    scale = colour_scale("learning_progress", teacher, (0.0, 0.01))
    assert (scale.vmin, scale.vmax) == (0.0, 1.0)  # not the run's own range
    data = teacher.plot_data()
    fig = task_space_figure(space, data["tasks"], data["alp"], scale, means=data["means"], covariances=data["covariances"])
    ax = fig.axes[0]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("stump_height", "obstacle_spacing")
    assert ax.get_xlim() == (0.0, 3.0) and ax.get_ylim() == (0.0, 6.0)
    assert fig.axes[1].get_ylabel() == "absolute learning progress (normalised return)"  # the colour bar
    assert len(ax.patches) == len(data["means"])  # one ellipse per GMM component
    assert figure_to_array(fig).shape[2] == 3


def test_without_plot_data_tasks_are_coloured_by_return_within_the_return_bounds() -> None:
    writer = RecordingWriter()
    monitor = TeacherMonitor(writer)
    teacher = Random(BoxSpace([0.0], [1.0]), seed=0)
    monitor.tasks([(np.array([0.2]), 1.0), (np.array([0.7]), 2.0)])
    monitor.task_space_image(teacher, 5)
    assert [tag for tag, _ in writer.images] == ["task_space/return"]
    assert colour_scale("return", ALPGMM(BoxSpace([0.0], [1.0]), return_bounds=(-150, 350)), (0, 1)).vmax == 350


@pytest.mark.parametrize("teacher_name", ["riac", "plr"])
def test_regions_and_levels_are_drawn(teacher_name: str) -> None:
    from autocurriculum.teachers import DiscreteSpace, make_teacher

    writer = RecordingWriter()
    monitor = TeacherMonitor(writer)
    if teacher_name == "riac":
        teacher = make_teacher("riac", BoxSpace([0, 0], [1, 1]), seed=0, max_region_size=20)
        for i in range(300):
            lesson = teacher.sample()
            teacher.update(lesson, float(lesson.task[0] > 0.5) * i / 300)
    else:
        teacher = make_teacher("plr", DiscreteSpace(50), seed=0)
        for _ in range(60):
            lesson = teacher.sample()
            teacher.update(lesson, {"score": float(lesson.task) / 50, "episode_return": 0.0})
    monitor.task_space_image(teacher, 1, render=lambda task: np.zeros((8, 8, 3), dtype=np.uint8))
    assert len(writer.images) == 1


def test_a_budget_that_ends_in_the_bootstrap_warns_naming_teacher_bootstrap_and_budget(tmp_path: Path) -> None:
    cfg = parse_config(
        grid_config(tmp_path, budget=200, seeds=[0], teachers=[{"name": "alp_gmm"}], evaluation={"every": 100})
    )
    with pytest.warns(UserWarning, match=r"budget \(200 episodes\) ends before ALPGMM's bootstrap \(250 lessons"):
        run_experiment(cfg, progress_bar=False)


def test_after_the_run_all_bootstrap_lessons_warn_for_any_unit() -> None:
    from autocurriculum.experiments.monitor import bootstrap_warning

    teacher = ALPGMM(BoxSpace([0.0], [1.0]), return_bounds=(0, 1), fit_rate=150)
    with pytest.warns(UserWarning, match=r"budget \(20,480 steps\) ended before ALPGMM's bootstrap \(150 lessons"):
        bootstrap_warning(teacher, 20480, "steps", {"bootstrap": 36})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bootstrap_warning(teacher, 20480, "steps", {"bootstrap": 150, "gmm": 40})
        bootstrap_warning(teacher, 20480, "steps")  # unknown before the run for steps
