"""Run and experiment directories: what the runner may touch, and how it writes.

The runner only ever deletes or rewrites files it wrote itself, in directories it can prove are
its own:

* every run directory holds a marker file, :data:`RUN_MARKER` (``.autocurriculum-run``, a JSON
  line with a format version), written when the directory is created; every experiment
  directory holds :data:`EXPERIMENT_MARKER`. A directory without its marker is refused with an
  error naming it, whatever else it holds;
* inside a marked directory only the names in :data:`RUN_FILES` (and the event files under
  ``tensorboard/``) are removed when a run starts again; a user's notes or code next to them are
  left alone;
* files are written atomically (a temporary ``.NAME.tmp-PID`` beside the target, fsync, rename);
  a failed write removes its temporary file, and orphans of killed processes (that exact name
  pattern, a PID that is no longer alive) are removed the next time the directory is opened;
* a process that works in a run directory holds an exclusive ``flock`` on its
  :data:`LOCK_FILE` for its whole life (the lock goes when the process does, however it ends): a
  second ``resume`` or ``run --overwrite`` of the same run fails at once, naming the holder's PID;
* write errors (a full disk, a read-only directory) become one-line :class:`RunFileError`
  messages naming the file and what to do.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
from pathlib import Path
from typing import Any

__all__ = [
    "EXPERIMENT_MARKER",
    "LOCK_FILE",
    "RUN_MARKER",
    "RunDirectoryError",
    "RunDirectoryLocked",
    "RunFileError",
    "RunLock",
    "append_line",
    "check_marker",
    "remove_orphans",
    "remove_run_files",
    "write_atomic",
    "write_marker",
]

RUN_MARKER = ".autocurriculum-run"
EXPERIMENT_MARKER = ".autocurriculum-experiment"
MARKER_FORMAT = 1
LOCK_FILE = ".autocurriculum-lock"
RUN_CONFIG = "run.yaml"
EXPERIMENT_CONFIG = "experiment.yaml"
CHECKPOINT = "checkpoint.ckpt"
PREVIOUS_CHECKPOINT = "checkpoint.previous.ckpt"
LEGACY_CHECKPOINT = "checkpoint.pkl"
EVALS = "eval.jsonl"
SUMMARY = "summary.json"
TENSORBOARD = "tensorboard"
#: Files of a run that are removed when the run starts again from scratch (``run.yaml``, the
#: marker and the lock stay; the checkpoints go first, so a kill half-way cannot resume stale state).
RUN_FILES = (CHECKPOINT, PREVIOUS_CHECKPOINT, SUMMARY, EVALS)
#: Every name the runner writes with :func:`write_atomic` (their temporary files are ours).
_WRITTEN = (
    *RUN_FILES,
    LEGACY_CHECKPOINT,
    RUN_CONFIG,
    EXPERIMENT_CONFIG,
    RUN_MARKER,
    EXPERIMENT_MARKER,
)
#: Infix of the temporary sibling a new directory is prepared in (``.NAME.preparing-PID``).
PREPARING = ".preparing-"
_PREPARING = re.compile(r"^\.(?P<name>.+)\.preparing-(?P<pid>[0-9]{1,10})$")
_TMP = re.compile(r"^\.(?P<name>.+)\.tmp-(?P<pid>[0-9]{1,10})$")
_EVENTS = re.compile(r"^events\.out\.tfevents\.")


class RunDirectoryError(RuntimeError):
    """A run or experiment directory cannot be used; the one-line message names it and what to do."""


class RunDirectoryLocked(RunDirectoryError):
    """Another live process owns the run directory."""


class RunFileError(RunDirectoryError):
    """A file of a run could not be written (full disk, read-only directory, ...).

    ``reason`` is the system's message and ``errno`` its code, where known.
    """

    def __init__(self, message: str, reason: str = "", errno: int | None = None) -> None:
        super().__init__(message, reason, errno)
        self.reason, self.errno = reason or message, errno

    def __str__(self) -> str:
        return str(self.args[0])


def _advice(e: OSError, run_dir: Path) -> str:
    if e.errno == errno.ENOSPC or e.errno == errno.EDQUOT:
        return f"free some disk space, then continue with `autocurriculum resume {run_dir}`"
    if e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"the directory is not writable: make it writable (or copy it elsewhere), then `autocurriculum resume {run_dir}`"
    return f"fix the cause, then continue with `autocurriculum resume {run_dir}`"


def file_error(path: Path, e: OSError, action: str = "cannot write") -> RunFileError:
    """A :class:`RunFileError` naming ``path``, the system's reason and what to do."""
    reason = e.strerror or str(e)
    return RunFileError(f"{path}: {action} ({reason}); {_advice(e, path.parent)}", reason, e.errno)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # exists but is another user's (or an absurd number: leave the file alone)
    return True


def tmp_name(path: Path) -> Path:
    """The temporary file :func:`write_atomic` writes before renaming it to ``path``."""
    return path.with_name(f".{path.name}.tmp-{os.getpid()}")


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` atomically: temporary file, fsync, rename, fsync of the directory.

    On any error the temporary file is removed and a :class:`RunFileError` names ``path``.
    """
    payload = data.encode() if isinstance(data, str) else data
    tmp = tmp_name(path)
    try:
        with open(tmp, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as e:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise file_error(path, e) from None


def append_line(path: Path, line: str) -> None:
    """Append one line (and flush it) to ``path``; errors become a :class:`RunFileError`."""
    try:
        with open(path, "a") as f:
            f.write(line + "\n")
    except OSError as e:
        raise file_error(path, e) from None


def write_marker(directory: Path, marker: str) -> None:
    write_atomic(
        directory / marker, json.dumps({"autocurriculum": marker.rsplit("-", 1)[-1], "format": MARKER_FORMAT}) + "\n"
    )


def has_marker(directory: Path, marker: str) -> bool:
    return (directory / marker).is_file()


def check_marker(directory: Path, marker: str) -> None:
    """Raise :class:`RunDirectoryError` unless ``directory`` holds a readable ``marker`` of a known format."""
    kind = "run" if marker == RUN_MARKER else "experiment"
    path = directory / marker
    if not path.is_file():
        legacy = any((directory / name).is_file() for name in (LEGACY_CHECKPOINT, RUN_CONFIG, EXPERIMENT_CONFIG))
        why = (
            " (it looks like a run of an older autocurriculum version, which this version cannot continue: "
            "move it away and run the experiment again)"
            if legacy
            else "; the runner only touches directories it created: move it away or choose another name/output_dir"
        )
        raise RunDirectoryError(f"{directory}: not an autocurriculum {kind} directory (no {marker} file){why}")
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise RunDirectoryError(
            f"{path}: unreadable marker file ({e}); this is not a directory the runner can use"
        ) from None
    fmt = data.get("format") if isinstance(data, dict) else None
    if not isinstance(fmt, int) or isinstance(fmt, bool):
        raise RunDirectoryError(f"{path}: not a marker file of autocurriculum (content {data!r})")
    if fmt > MARKER_FORMAT:
        raise RunDirectoryError(
            f"{path}: written by a newer autocurriculum (format {fmt}, this version reads {MARKER_FORMAT}); upgrade it"
        )


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except OSError as e:
        raise file_error(path, e, "cannot remove") from None


def remove_orphans(directory: Path) -> list[Path]:
    """Remove this runner's temporary files left by processes that are no longer alive; return them."""
    removed = []
    with contextlib.suppress(FileNotFoundError):
        for child in directory.iterdir():
            m = _TMP.match(child.name)
            if (
                m
                and m["name"] in _WRITTEN
                and child.is_file()
                and not child.is_symlink()
                and not _pid_alive(int(m["pid"]))
            ):
                _remove(child)
                removed.append(child)
    return removed


def _remove_events(directory: Path) -> None:
    """Event files under ``directory`` (recursively); then the folders left empty. Nothing else."""
    if not directory.is_dir() or directory.is_symlink():
        return
    for child in sorted(directory.iterdir()):
        if child.is_dir() and not child.is_symlink():
            _remove_events(child)
        elif _EVENTS.match(child.name) and child.is_file():
            _remove(child)
    with contextlib.suppress(OSError):
        directory.rmdir()  # only when empty: a user's file keeps it


def remove_run_files(run_dir: Path) -> None:
    """Everything a run wrote except ``run.yaml``, its marker and its lock (a restart from scratch)."""
    for name in RUN_FILES:
        _remove(run_dir / name)
    _remove_events(run_dir / TENSORBOARD)
    remove_orphans(run_dir)


def remove_preparing(directory: Path) -> None:
    """Remove a directory being prepared: only the files preparation writes, then the folders if empty."""
    if not directory.is_dir() or directory.is_symlink():
        return
    for child in directory.iterdir():
        if child.is_dir() and not child.is_symlink():
            remove_preparing(child)
        elif child.name in (*_WRITTEN, LOCK_FILE) or _TMP.match(child.name):
            _remove(child)
    with contextlib.suppress(OSError):
        directory.rmdir()  # a foreign file keeps it


def remove_preparing_orphans(parent: Path) -> None:
    """Remove the ``.NAME.preparing-PID`` directories in ``parent`` whose process is gone."""
    with contextlib.suppress(FileNotFoundError, NotADirectoryError):
        for child in parent.iterdir():
            m = _PREPARING.match(child.name)
            if m and not _pid_alive(int(m["pid"])):
                remove_preparing(child)


class RunLock:
    """An exclusive ``flock`` on a directory's :data:`LOCK_FILE`, held until :meth:`release` (or exit).

    Raises :class:`RunDirectoryLocked` at once, naming the directory and the holder's PID, when
    another process holds it.
    """

    def __init__(self, directory: Path) -> None:
        self.path = directory / LOCK_FILE
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as e:
            raise file_error(self.path, e, "cannot create the lock file") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise RunDirectoryLocked(
                f"{directory}: in use by another autocurriculum process (PID {holder}); "
                "wait for it to finish or stop it, then try again"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self.fd: int | None = fd

    def release(self) -> None:
        if self.fd is not None:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = None
