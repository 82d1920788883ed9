"""Fault injection for the runner's data-safety rules (issue 10): nothing lost, nothing deleted
that the runner did not write, nothing executed from a file, one-line errors naming the file."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import pickle
import signal
import struct
import subprocess
import sys
import time
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import yaml

from autocurriculum.experiments import rundir, runner
from autocurriculum.experiments.checkpoints import MAGIC, CheckpointError, decode, encode
from autocurriculum.experiments.cli import main
from autocurriculum.experiments.config import ConfigError, parse_config
from autocurriculum.experiments.rundir import RUN_MARKER, RunDirectoryError, RunDirectoryLocked
from autocurriculum.experiments.runner import RunDirectoryExists, load_checkpoint, resume_run, run_experiment

ROOT = Path(__file__).resolve().parents[2]


def small(tmp_path: Path, **overrides: object) -> dict:
    data = {
        "name": "safe",
        "teacher": {"name": "random"},
        "student": {"name": "unlock_grid", "params": {"d": 2, "n": 4}},
        "budget": 400,
        "evaluation": {"every": 100},
        "seeds": [0],
        "output_dir": str(tmp_path / "runs"),
        "logging": {"progress_bar": False, "tensorboard": False},
        "checkpoint": {"every": 200},
    }
    data.update(overrides)
    return data


def tree(path: Path) -> dict[str, bytes]:
    return {str(p.relative_to(path)): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# ---------------------------------------------------------------------- 1. markers
def test_resume_refuses_a_directory_without_the_marker_and_deletes_nothing(tmp_path: Path) -> None:
    foreign = tmp_path / "project"
    foreign.mkdir()
    (foreign / "run.yaml").write_text(yaml.safe_dump(small(tmp_path) | {"teacher": {"name": "random"}, "seed": 0}))
    (foreign / "notes.txt").write_text("my notes")
    (foreign / "code.py").write_text("print(1)")
    (foreign / "sub").mkdir()
    (foreign / "sub" / "data.csv").write_text("1,2")
    before = tree(foreign)
    with pytest.raises(RunDirectoryError, match=f"{foreign}: not an autocurriculum run directory"):
        resume_run(foreign, progress_bar=False, log=lambda s: None)
    assert tree(foreign) == before


def test_cli_resume_of_a_foreign_directory_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    foreign = tmp_path / "somewhere"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    assert main(["resume", str(foreign), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(foreign) in err and "not an autocurriculum experiment directory" in err
    assert (foreign / "keep.txt").read_text() == "x"


def test_restart_without_checkpoint_and_overwrite_keep_files_the_runner_did_not_write(tmp_path: Path) -> None:
    cfg = parse_config(small(tmp_path))
    run_experiment(cfg, progress_bar=False)
    run_dir = cfg.runs()[0].run_dir
    assert (run_dir / RUN_MARKER).is_file() and (cfg.experiment_dir / ".autocurriculum-experiment").is_file()
    (run_dir / "notes.txt").write_text("mine")
    (run_dir / "tensorboard").mkdir(exist_ok=True)
    (run_dir / "tensorboard" / "my_plot.png").write_bytes(b"png")
    for name in ("checkpoint.ckpt", "checkpoint.previous.ckpt", "summary.json"):
        (run_dir / name).unlink(missing_ok=True)
    resume_run(run_dir, progress_bar=False, log=lambda s: None)  # no checkpoint: starts again
    assert (run_dir / "summary.json").is_file()
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert (run_dir / "tensorboard" / "my_plot.png").read_bytes() == b"png"
    run_experiment(cfg, overwrite=True, progress_bar=False)
    assert (run_dir / "notes.txt").read_text() == "mine"
    assert (run_dir / "tensorboard" / "my_plot.png").read_bytes() == b"png"


def test_overwrite_refuses_an_unmarked_directory_where_a_run_would_go(tmp_path: Path) -> None:
    cfg = parse_config(small(tmp_path))
    run_dir = cfg.runs()[0].run_dir
    run_dir.mkdir(parents=True)
    (run_dir / "thesis.tex").write_text("chapter 1")
    with pytest.raises(RunDirectoryError, match="not an autocurriculum"):
        run_experiment(cfg, overwrite=True, progress_bar=False)
    assert tree(cfg.experiment_dir) == {"random__seed0/thesis.tex": b"chapter 1"}


# ---------------------------------------------------------------------- 3. checkpoints
class _Evil:
    """Unpickling this writes a file: the proof that a loader executed code."""

    def __init__(self, target: Path) -> None:
        self.target = target

    def __reduce__(self) -> tuple:
        return (Path.write_text, (self.target, "code ran"))


def finished_run(tmp_path: Path, **overrides: object) -> Path:
    cfg = parse_config(small(tmp_path, **overrides))
    run_experiment(cfg, progress_bar=False)
    return cfg.runs()[0].run_dir


def test_a_crafted_pickle_checkpoint_is_refused_and_runs_nothing(tmp_path: Path) -> None:
    run_dir = finished_run(tmp_path)
    (run_dir / "summary.json").unlink()
    proof = tmp_path / "pwned"
    evil = pickle.dumps({"version": 1, "progress": _Evil(proof)})
    for name in ("checkpoint.ckpt", "checkpoint.previous.ckpt"):
        (run_dir / name).write_bytes(evil)
    with pytest.raises(CheckpointError, match="older autocurriculum version; this version never unpickles"):
        resume_run(run_dir, progress_bar=False, log=lambda s: None)
    # The same pickle behind a valid magic line and checksum: decoded as JSON, never unpickled.
    header = json.dumps({"format": 2, "json_bytes": len(evil), "sha256": hashlib.sha256(evil).hexdigest()})
    with pytest.raises(CheckpointError, match="damaged payload"):
        decode(MAGIC + header.encode() + b"\n" + evil)
    assert not proof.exists()


def test_checkpoint_round_trips_every_plain_type_exactly() -> None:
    import torch

    state = {
        "ints": [0, -1, 2**100, True, None],
        "floats": (0.1, -0.0, float("inf"), float("-inf"), 1e-310),
        7: "int key",
        (1, "a"): b"\x00\xffbytes",
        "nested": OrderedDict(w=torch.arange(6, dtype=torch.float32).reshape(2, 3), b=torch.tensor(1.5)),
        "arrays": [np.arange(5, dtype=np.uint8), np.zeros((2, 0)), np.array(["ab", "c"]), np.array(3 + 4j)],
        "scalars": [np.float32(0.1), np.int64(-3), np.bool_(True)],
        "rng": np.random.default_rng(5).bit_generator.state,
        "torch_rng": torch.Generator().manual_seed(3).get_state(),
        "param": torch.ones(2, dtype=torch.bfloat16, requires_grad=True),
    }
    back = decode(encode(state))
    assert math.isnan(decode(encode(float("nan"))))
    assert list(back) == list(state) and type(back["nested"]) is OrderedDict and back[(1, "a")] == b"\x00\xffbytes"
    assert back["ints"] == state["ints"] and type(back["ints"][3]) is bool
    assert [struct.pack("d", x) for x in back["floats"]] == [struct.pack("d", x) for x in state["floats"]]
    assert type(back["floats"]) is tuple
    for a, b in zip(back["arrays"] + back["scalars"], state["arrays"] + state["scalars"], strict=True):
        assert type(a) is type(b) and a.dtype == b.dtype and np.shape(a) == np.shape(b) and np.array_equal(a, b)
    assert back["rng"] == state["rng"]
    for a, b in [(back["nested"]["w"], state["nested"]["w"]), (back["torch_rng"], state["torch_rng"])]:
        assert a.dtype == b.dtype and a.shape == b.shape and torch.equal(a, b)
    assert (
        back["param"].dtype == torch.bfloat16
        and back["param"].requires_grad
        and torch.equal(back["param"], state["param"])
    )


def test_a_state_that_is_not_plain_data_is_refused_naming_the_key() -> None:
    with pytest.raises(CheckpointError, match=r"checkpoint\['teacher'\]\['lessons'\]\[1\]: .*_Evil cannot be saved"):
        encode({"teacher": {"lessons": [1, _Evil(Path("x"))]}})
    with pytest.raises(CheckpointError, match="dtype object cannot be saved"):
        encode({"a": np.array([None])})


def test_a_damaged_checkpoint_falls_back_to_the_previous_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = finished_run(tmp_path, budget=500)
    reference = (run_dir / "eval.jsonl").read_text()
    (run_dir / "summary.json").unlink()
    current = run_dir / "checkpoint.ckpt"
    data = bytearray(current.read_bytes())
    data[-3] ^= 0xFF  # one flipped bit of the payload
    current.write_bytes(bytes(data))
    assert load_checkpoint(run_dir)["progress"] == 400  # the previous one
    err = capsys.readouterr().err
    assert f"warning: {current}: checksum mismatch" in err and "continuing from" in err
    resume_run(run_dir, progress_bar=False, log=lambda s: None)
    rows = [json.loads(x) for x in (run_dir / "eval.jsonl").read_text().splitlines()]
    assert [{k: v for k, v in r.items() if k != "wall_time"} for r in rows] == [
        {k: v for k, v in json.loads(x).items() if k != "wall_time"} for x in reference.splitlines()
    ]


def test_no_readable_checkpoint_is_a_one_line_error_naming_the_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = finished_run(tmp_path)
    (run_dir / "summary.json").unlink()
    (run_dir / "checkpoint.ckpt").write_bytes((run_dir / "checkpoint.ckpt").read_bytes()[:100])  # cut
    (run_dir / "checkpoint.previous.ckpt").unlink()
    assert main(["resume", str(run_dir), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: no readable checkpoint")
    assert f"{run_dir / 'checkpoint.ckpt'}: " in err and "checkpoint.previous.ckpt: missing" in err


def test_a_run_of_the_pickle_era_is_refused_as_written_by_an_older_version(tmp_path: Path) -> None:
    old = tmp_path / "runs" / "safe" / "random__seed0"
    old.mkdir(parents=True)
    (old / "run.yaml").write_text("name: safe\n")
    (old / "checkpoint.pkl").write_bytes(pickle.dumps({"version": 1}))
    with pytest.raises(RunDirectoryError, match="older autocurriculum version"):
        resume_run(old, progress_bar=False, log=lambda s: None)
    assert (old / "checkpoint.pkl").exists()


# ---------------------------------------------------------------------- 4. orphans, events, locks
def dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, check=True)
    return int(proc.stdout)


def test_orphan_temporary_files_of_dead_processes_are_removed_and_only_those(tmp_path: Path) -> None:
    run_dir = finished_run(tmp_path)
    (run_dir / "summary.json").unlink()
    dead, alive = dead_pid(), os.getppid()
    orphans = [f".checkpoint.ckpt.tmp-{dead}", f".checkpoint.pkl.tmp-{dead}", f".eval.jsonl.tmp-{dead}"]
    kept = [f".checkpoint.ckpt.tmp-{alive}", f".notes.txt.tmp-{dead}", f"checkpoint.ckpt.tmp-{dead}", ".x.tmp-abc"]
    for name in orphans + kept:
        (run_dir / name).write_bytes(b"0" * 1000)
    resume_run(run_dir, progress_bar=False, log=lambda s: None)
    names = {p.name for p in run_dir.iterdir()}
    assert not names & set(orphans) and set(kept) <= names


def scalar_steps(run_dir: Path, tag: str) -> list[int]:
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

    acc = EventAccumulator(str(run_dir / "tensorboard"))
    acc.Reload()
    return [e.step for e in acc.Scalars(tag)]


def test_tensorboard_keeps_the_checkpoint_step_and_rewrites_later_points_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logging = {"progress_bar": False, "tensorboard": True, "scalars_every": 100}
    cfg = parse_config(small(tmp_path, budget=600, logging=logging))
    saves = []
    real = runner.save_checkpoint

    def crash_on_third(path: Path, state: dict) -> float:
        saves.append(state["progress"])
        if len(saves) == 3:  # at 600: the evaluations at 500 and 600 are written, the checkpoint is at 400
            raise RuntimeError("killed")
        return real(path, state)

    monkeypatch.setattr(runner, "save_checkpoint", crash_on_third)
    with pytest.raises(RuntimeError, match="killed"):
        run_experiment(cfg, progress_bar=False)
    monkeypatch.undo()
    run_dir = cfg.runs()[0].run_dir
    assert scalar_steps(run_dir, "eval/mastered_percent") == [100, 200, 300, 400, 500, 600]
    resume_run(run_dir, progress_bar=False, log=lambda s: None)
    assert scalar_steps(run_dir, "eval/mastered_percent") == [100, 200, 300, 400, 500, 600]
    assert scalar_steps(run_dir, "student/episodes") == [100, 200, 300, 400, 500, 600]


def test_a_run_owned_by_a_live_process_is_refused_at_once_naming_it(tmp_path: Path) -> None:
    cfg = parse_config(small(tmp_path))
    run_experiment(cfg, progress_bar=False)
    run_dir = cfg.runs()[0].run_dir
    (run_dir / "summary.json").unlink()
    before = tree(run_dir) | {".autocurriculum-lock": b"ignored"}
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(run_dir)], stdout=subprocess.PIPE, stdin=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
        t0 = time.monotonic()
        for attempt in (
            lambda: resume_run(run_dir, progress_bar=False, log=lambda s: None),
            lambda: resume_run(cfg.experiment_dir, progress_bar=False, log=lambda s: None),
            lambda: run_experiment(cfg, overwrite=True, progress_bar=False),
        ):
            with pytest.raises(
                RunDirectoryLocked, match=f"{run_dir}: in use by another autocurriculum process \\(PID {holder.pid}\\)"
            ):
                attempt()
        assert time.monotonic() - t0 < 5
    finally:
        holder.communicate("")
    assert tree(run_dir) | {".autocurriculum-lock": b"ignored"} == before
    resume_run(run_dir, progress_bar=False, log=lambda s: None)  # free again once the holder is gone


HOLD_LOCK = """
import sys
from pathlib import Path
from autocurriculum.experiments.rundir import RunLock
lock = RunLock(Path(sys.argv[1]))
print("locked", flush=True)
sys.stdin.read()
"""


# ---------------------------------------------------------------------- 5. validation, all-or-nothing preparation
@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"teachers": [{"name": "random"}, {"name": "alp_gmn"}]}, r"teachers\[1\]\.name: unknown teacher 'alp_gmn'"),
        ({"teacher": {"name": "alp_gmm", "params": {"fit_rate": -3}}}, "fit_rate"),
        ({"student": {"name": "unlock_grid", "params": {"d": 2, "m": 4}}}, r"student\.params\.m: unknown parameter"),
    ],
)
def test_an_invalid_teacher_or_student_leaves_no_directory(tmp_path: Path, change: dict, message: str) -> None:
    data = small(tmp_path)
    if "teachers" in change:
        data.pop("teacher")
    cfg = parse_config({**data, **change})
    with pytest.raises(ConfigError, match=message):
        run_experiment(cfg, progress_bar=False)
    assert not (tmp_path / "runs").exists()


KILLED_WHILE_PREPARING = """
import os, sys
from pathlib import Path
import yaml
from autocurriculum.experiments import rundir, runner
from autocurriculum.experiments.config import ConfigError, parse_config
calls = []
real = runner._write_run_dir
def write(run_dir, spec):
    calls.append(run_dir)
    if len(calls) == int(sys.argv[2]):
        os._exit(9)  # as SIGKILL: no clean-up runs
    real(run_dir, spec)
runner._write_run_dir = write
runner.run_experiment(parse_config(yaml.safe_load(Path(sys.argv[1]).read_text())), progress_bar=False)
"""


def kill_while_preparing(tmp_path: Path, data: dict, at_call: int) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data))
    proc = subprocess.run([sys.executable, "-c", KILLED_WHILE_PREPARING, str(path), str(at_call)], capture_output=True)
    assert proc.returncode == 9, proc.stderr.decode()


def test_a_kill_while_a_new_experiment_is_prepared_leaves_nothing_behind(tmp_path: Path) -> None:
    data = small(tmp_path, seeds=[0, 1, 2])
    kill_while_preparing(tmp_path, data, at_call=2)
    runs = tmp_path / "runs"
    assert not (runs / "safe").exists()
    assert [p.name for p in runs.iterdir()][0].startswith(".safe.preparing-")  # the dead process's, removed next
    assert main(["run", str(tmp_path / "exp.yaml"), "--quiet"]) == 0
    assert [p.name for p in runs.iterdir()] == ["safe"]
    assert all((runs / "safe" / f"random__seed{s}" / "summary.json").is_file() for s in (0, 1, 2))


def test_a_kill_while_runs_are_added_to_an_experiment_is_completed_by_resume(tmp_path: Path) -> None:
    run_experiment(parse_config(small(tmp_path)), progress_bar=False)  # random__seed0, finished
    data = small(tmp_path, teacher={"name": "random", "label": "other"}, seeds=[0, 1, 2, 3])
    kill_while_preparing(tmp_path, data, at_call=2)  # other__seed0 prepared, the rest not
    cfg = parse_config(data)
    assert [s.run_dir.exists() for s in cfg.runs()] == [True, False, False, False]
    with pytest.raises(RunDirectoryExists):
        run_experiment(cfg, progress_bar=False)
    resume_run(cfg.experiment_dir, progress_bar=False, log=lambda s: None)
    for spec in cfg.runs():
        assert (spec.run_dir / "summary.json").is_file(), spec.run_name
    assert (cfg.experiment_dir / "random__seed0" / "summary.json").is_file()
    assert not [p for p in cfg.experiment_dir.iterdir() if ".preparing-" in p.name]


# ---------------------------------------------------------------------- 6. SIGINT, SIGTERM
def evals_without_time(run_dir: Path) -> list[dict]:
    rows = [json.loads(x) for x in (run_dir / "eval.jsonl").read_text().splitlines()]
    return [{k: v for k, v in r.items() if k != "wall_time"} for r in rows]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_saves_a_checkpoint_says_how_to_resume_and_exits_cleanly(tmp_path: Path, signum: int) -> None:
    data = small(tmp_path, teacher={"name": "alp_gmm"}, budget=8000, seeds=[3], checkpoint={"every": 4000})
    data["evaluation"] = {"every": 500}
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data))
    cfg = parse_config(data)
    run_dir = cfg.runs()[0].run_dir
    proc = subprocess.Popen(
        [sys.executable, "-m", "autocurriculum.experiments.cli", "run", str(path), "--quiet"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not (run_dir / "eval.jsonl").is_file() or not (run_dir / "eval.jsonl").read_text():
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signum, err
    assert "Traceback" not in err
    name = signal.Signals(signum).name
    assert err.splitlines()[-1] == (
        f"interrupted by {name} (checkpoint saved); continue with: autocurriculum resume {cfg.experiment_dir}"
    )
    stopped_at = load_checkpoint(run_dir)["progress"]
    assert 500 <= stopped_at < 8000 and not (run_dir / "summary.json").exists()
    if signum == signal.SIGTERM:
        return
    assert main(["resume", str(cfg.experiment_dir), "--quiet"]) == 0
    reference = parse_config({**data, "output_dir": str(tmp_path / "reference")})
    run_experiment(reference, progress_bar=False)
    assert evals_without_time(run_dir) == evals_without_time(reference.runs()[0].run_dir)


# ---------------------------------------------------------------------- 9, 11. names, paths, damaged files, full disk
BAD_NAMES = [".", "..", ".hidden", "a/b", "a\\b", "a\x00b", "a\nb", "a\x1bb", "a\u202eb", "a\u2066b", "x" * 101, "a b"]


@pytest.mark.parametrize("bad", BAD_NAMES)
def test_names_that_are_not_one_safe_directory_name_are_rejected_naming_the_key(tmp_path: Path, bad: str) -> None:
    with pytest.raises(ConfigError, match="^name: "):
        parse_config(small(tmp_path, name=bad, output_dir=".."))
    with pytest.raises(ConfigError, match=r"^teacher\.label: "):
        parse_config(small(tmp_path, teacher={"name": "random", "label": bad}))


def test_the_experiment_directory_must_lie_inside_output_dir(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "safe").symlink_to(elsewhere)
    with pytest.raises(ConfigError, match="not a directory directly inside output_dir"):
        run_experiment(parse_config(small(tmp_path)), progress_bar=False)
    assert not any(elsewhere.iterdir())


def test_a_directory_given_as_the_experiment_file_is_named_as_such(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(tmp_path)]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {tmp_path}: is a directory, not an experiment file (give the path of a .yaml file)\n"
    )


def test_a_cut_last_line_of_eval_jsonl_is_ignored_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = finished_run(tmp_path)
    evals = run_dir / "eval.jsonl"
    evals.write_text(evals.read_text() + '{"step": 500, "mastered_per')
    assert main(["report", str(run_dir.parent), "--plot", str(tmp_path / "p.svg")]) == 0
    out = capsys.readouterr()
    assert f"warning: {evals}: the last line is cut" in out.err and "| 400 |" in out.out and "| 500 |" not in out.out
    evals.write_text('{"step": 1\n' + evals.read_text())
    assert main(["report", str(run_dir.parent)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"error: {evals}: line 1 is damaged" in err
    (run_dir / "summary.json").unlink()
    evals.write_text(evals.read_text().split("\n", 1)[1])
    assert main(["resume", str(run_dir), "--quiet"]) == 0
    assert f"warning: {evals}: the last line is cut" in capsys.readouterr().err
    assert [e["step"] for e in evals_without_time(run_dir)] == [100, 200, 300, 400]


@pytest.mark.parametrize("content", ["", "hello: world\n", "- a list\n", "teacher: {label: x}\nseed: 0\n", "\xff\xfe"])
def test_a_foreign_or_empty_run_yaml_is_a_one_line_error_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str
) -> None:
    run_dir = finished_run(tmp_path)
    (run_dir / "summary.json").unlink()
    (run_dir / "run.yaml").write_bytes(content.encode("latin-1"))
    commands = [["resume", str(run_dir), "--quiet"], ["report", str(run_dir)]]
    for command in commands[: 1 if "label" in content else 2]:  # a label and a seed are all a report needs
        assert main(command) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and err.startswith(f"error: {run_dir / 'run.yaml'}"), err


def test_a_read_only_run_directory_is_a_one_line_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dir = finished_run(tmp_path)
    (run_dir / "summary.json").unlink()
    real_open = os.open

    def read_only(path: object, flags: int, *args: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args)

    monkeypatch.setattr(rundir.os, "open", read_only)  # root ignores chmod: simulate the refusal
    assert main(["resume", str(run_dir), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert f"{run_dir / '.autocurriculum-lock'}: cannot create the lock file (Permission denied)" in err
    assert "not writable" in err


def test_a_full_disk_is_a_one_line_error_and_the_run_resumes_afterwards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(small(tmp_path)))
    exp_dir = tmp_path / "runs" / "safe"
    run_dir = exp_dir / "random__seed0"

    def no_space(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(rundir.os, "fsync", no_space)  # while the directories are prepared
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert (
        err
        == f"error: {exp_dir}: cannot create (No space left on device); nothing was written: free some disk space and run the command again\n"
    )
    assert not any((tmp_path / "runs").iterdir())
    monkeypatch.undo()

    real_open = open

    def full_on_append(file: object, mode: str = "r", *args: object, **kwargs: object) -> object:
        if "a" in mode:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(rundir, "open", full_on_append, raising=False)  # the first evaluation's line
    assert main(["run", str(path), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"error: {run_dir / 'eval.jsonl'}: cannot write (No space left on device); free some disk space, then "
        f"continue with `autocurriculum resume {run_dir}`\n"
    )
    monkeypatch.undo()
    assert main(["resume", str(run_dir), "--quiet"]) == 0
    assert [e["step"] for e in evals_without_time(run_dir)] == [100, 200, 300, 400]


def test_ctrl_c_of_parallel_runs_checkpoints_every_running_run(tmp_path: Path) -> None:
    data = small(tmp_path, teacher={"name": "alp_gmm"}, budget=30000, seeds=[0, 1], checkpoint={"every": 30000})
    data["evaluation"] = {"every": 500}
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data))
    cfg = parse_config(data)
    proc = subprocess.Popen(
        [sys.executable, "-m", "autocurriculum.experiments.cli", "run", str(path), "--quiet", "--jobs", "2"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )
    deadline = time.monotonic() + 120
    while not all((s.run_dir / "eval.jsonl").is_file() for s in cfg.runs()):
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches every process of the group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert err.splitlines()[-1].endswith(f"continue with: autocurriculum resume {cfg.experiment_dir}")
    for spec in cfg.runs():
        assert 500 <= load_checkpoint(spec.run_dir)["progress"] < 30000
