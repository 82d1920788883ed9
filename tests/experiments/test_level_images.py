"""Maze levels drawn for TensorBoard: the level image, the mosaic, the monitor's generated/replayed tags."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from autocurriculum.experiments.config import LoggingConfig
from autocurriculum.experiments.monitor import LEVELS_PER_IMAGE, RunMonitor
from autocurriculum.experiments.plots import level_image, level_mosaic
from autocurriculum.students.base import EpisodeRecord
from autocurriculum.teachers import PLR, Feedback, Lesson, MazeLevelSpace

SPACE = MazeLevelSpace(size=4, max_walls=3)


def test_level_image_draws_border_walls_goal_and_agent() -> None:
    level = SPACE.check({"size": 4, "agent": [0, 0], "agent_dir": 0, "goal": [3, 3], "walls": [[1, 2]]})
    img = level_image(level, cell=2)
    assert img.shape == (12, 12, 3) and img.dtype == np.uint8
    cell = img[::2, ::2]  # one pixel per grid cell, border included
    border, empty, wall = cell[0, 0], cell[1, 2], cell[3, 2]
    goal, agent = cell[4, 4], cell[1, 1]
    assert len({tuple(c) for c in (border, empty, wall, goal, agent)}) == 5
    assert goal[1] > goal[0] and agent[0] > agent[1]  # green goal, red agent


def test_mosaic_tiles_levels_of_different_sizes() -> None:
    rng = np.random.default_rng(0)
    levels = [SPACE.sample(rng) for _ in range(5)] + [MazeLevelSpace(6, 4).sample(rng)]
    img = level_mosaic(levels, columns=4, cell=3, gap=2)
    side = (6 + 2) * 3
    assert img.shape == (2 * (side + 2) + 2, 4 * (side + 2) + 2, 3)


def test_monitor_logs_generated_and_replayed_levels(tmp_path: Path) -> None:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    teacher = PLR(SPACE, buffer_size=4, replay_prob=0.5, seed=0)
    records = []
    for i in range(40):
        lesson = teacher.sample()
        teacher.update(lesson, Feedback(score=1.0))
        records.append(EpisodeRecord(lesson, Feedback(score=1.0), i))
    records.append(EpisodeRecord(Lesson(task=SPACE.sample(np.random.default_rng(1)), origin="buffer"), Feedback(), 40))
    monitor = RunMonitor(tmp_path, LoggingConfig(tensorboard=True))
    monitor.episodes(records)
    monitor.task_space_image(teacher, 40)
    monitor.close()
    acc = EventAccumulator(str(tmp_path / "tensorboard"))
    acc.Reload()
    assert set(acc.Tags()["images"]) == {"teacher/levels/generated", "teacher/levels/replayed"}
    assert LEVELS_PER_IMAGE >= 8
