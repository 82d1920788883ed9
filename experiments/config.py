"""Typed experiment configuration, loaded from YAML with strict validation.

An experiment file names one or more teachers, one student (and its environment), a budget
counted in the student's unit, an evaluation schedule, seeds, an output directory, logging and
checkpoint options::

    name: unlock_grid_comparison
    teachers:
      - name: alp_gmm
        params: {preset: teachdeeprl}
      - name: random
    student:
      name: unlock_grid
      params: {d: 2, n: 10}
    budget: 20000
    evaluation: {every: 1000}
    seeds: [0, 1, 2, 3, 4]
    output_dir: runs

Every run is one (teacher, seed) pair. Parameter values that are strings starting with ``./`` or
``../`` (such as ADS's ``demos: ./demos.npz``) are paths relative to the experiment file; they are
made absolute on load, so run directories record where the data is. Files are read with
the checks of :mod:`autocurriculum.experiments.safe_yaml` (no Python objects, no alias bombs, no duplicate keys), unknown keys are errors with the closest valid name suggested, and every error names
the key path (``teachers[1].params``), the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from autocurriculum.experiments.safe_yaml import YAMLInputError, load_yaml
from autocurriculum.teachers.validation import is_int, is_number

__all__ = [
    "CheckpointConfig",
    "ComponentConfig",
    "ConfigError",
    "EnvironmentConfig",
    "EvaluationConfig",
    "ExperimentConfig",
    "LoggingConfig",
    "RayConfig",
    "RunSpec",
    "load_config",
    "parse_config",
]


class ConfigError(ValueError):
    """An invalid experiment file; the message names the key path, the value and what is allowed."""


@dataclass
class ComponentConfig:
    """A teacher or student: a registered name (or ``package.module:ClassName``) and parameters."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str = ""


@dataclass
class EnvironmentConfig:
    """A gymnasium environment id and its keyword arguments (body, task-space overrides, ...)."""

    id: str
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class EvaluationConfig:
    """Evaluate every ``every`` units on ``test_set`` (student-specific; ``None``: its default)."""

    every: int
    episodes: int = 1
    test_set: Any = None


@dataclass
class LoggingConfig:
    """TensorBoard options: scalars every ``scalars_every`` units, task histograms and task-space
    images every ``histogram_every`` / ``image_every`` units (0 disables them)."""

    tensorboard: bool = True
    scalars_every: int = 0
    histogram_every: int = 0
    image_every: int = 0
    progress_bar: bool = True


@dataclass
class CheckpointConfig:
    """Save everything a run needs to continue every ``every`` units (0: only at the end)."""

    every: int = 0


@dataclass
class RayConfig:
    """Run the trials on Ray Tune (:mod:`autocurriculum.experiments.ray_runner`).

    ``address``: a cluster (``ray://host:10001`` or ``host:6379``; ``None``: ``RAY_ADDRESS``, else a
    local Ray started for the sweep with ``num_cpus`` CPUs, default all); ``cpus_per_trial`` /
    ``gpus_per_trial``: the resources each (teacher, seed) trial reserves; ``max_concurrent_trials``
    (``None``: as many as the resources allow); ``max_failures``: retries of a failed trial, each
    from its last checkpoint; ``storage_path``: where Tune keeps its experiment state and the copies
    of the run directories (a shared filesystem path or a URI such as ``s3://bucket/path``; ``None``:
    ``{output_dir}/{name}/.ray_tune``).
    """

    address: str | None = None
    num_cpus: int | None = None
    cpus_per_trial: float = 1.0
    gpus_per_trial: float = 0.0
    max_concurrent_trials: int | None = None
    max_failures: int = 3
    storage_path: str | None = None


@dataclass
class ExperimentConfig:
    """A whole experiment file."""

    name: str
    teachers: list[ComponentConfig]
    student: ComponentConfig
    budget: int
    evaluation: EvaluationConfig
    seeds: list[int]
    output_dir: str = "runs"
    environment: EnvironmentConfig | None = None
    logging: LoggingConfig = field(default_factory=LoggingConfig)
    checkpoint: CheckpointConfig = field(default_factory=CheckpointConfig)
    ray: RayConfig | None = None
    source: str = ""

    def runs(self) -> list[RunSpec]:
        """One run per (teacher, seed), in file order."""
        return [RunSpec(self, teacher, seed) for teacher in self.teachers for seed in self.seeds]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("source")
        data["student"].pop("label")
        if self.environment is None:
            data.pop("environment")
        if self.ray is None:
            data.pop("ray")
        return data

    @property
    def experiment_dir(self) -> Path:
        """``output_dir/name``; checked to lie inside ``output_dir`` (symbolic links resolved)."""
        out = Path(self.output_dir)
        exp_dir = out / self.name
        root = out.resolve()
        resolved = exp_dir.resolve()
        if resolved.parent != root:
            raise ConfigError(
                f"name: {self.name!r} resolves to {resolved}, which is not a directory directly inside "
                f"output_dir {str(root)!r}"
            )
        return exp_dir


@dataclass
class RunSpec:
    """One run of an experiment: a teacher and a seed."""

    experiment: ExperimentConfig
    teacher: ComponentConfig
    seed: int

    @property
    def run_name(self) -> str:
        return f"{self.teacher.label}__seed{self.seed}"

    @property
    def run_dir(self) -> Path:
        return self.experiment.experiment_dir / self.run_name

    def to_dict(self) -> dict[str, Any]:
        data = self.experiment.to_dict()
        data.pop("teachers")
        data.pop("seeds")
        data["teacher"] = asdict(self.teacher)
        data["seed"] = self.seed
        return data


# ---------------------------------------------------------------------- validation helpers
def _suggest(key: str, allowed: list[str]) -> str:
    close = difflib.get_close_matches(key, allowed, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ConfigError(f"{path}: expected a mapping, got {type(value).__name__} {value!r}")
    for key in value:
        if not isinstance(key, str):
            raise ConfigError(f"{path}: keys must be strings, got {key!r}")
    return value


def _keys(value: Mapping[str, Any], path: str, required: list[str], optional: list[str]) -> None:
    allowed = required + optional
    for key in value:
        if key not in allowed:
            raise ConfigError(
                f"{path + '.' if path else ''}{key}: unknown key{_suggest(key, allowed)}; allowed keys: {allowed}"
            )
    for key in required:
        if key not in value:
            raise ConfigError(f"{path + '.' if path else ''}{key}: required key is missing")


#: Largest budget, evaluation period or checkpoint period accepted (10^12 units: far beyond any run
#: this runner can finish; a larger number is a typo, not an experiment).
MAX_UNITS = 10**12


def _int(value: Any, path: str, minimum: int, maximum: int = MAX_UNITS) -> int:
    if not is_int(value) or value < minimum:
        raise ConfigError(f"{path}: expected an integer >= {minimum}, got {value!r}")
    if value > maximum:
        raise ConfigError(f"{path}: {value} is larger than the limit {maximum:.0e}; allowed: {minimum} to {maximum:.0e}")
    return int(value)


def _str(value: Any, path: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path}: expected a non-empty string, got {value!r}")
    return value


def _component(value: Any, path: str, labelled: bool) -> ComponentConfig:
    if isinstance(value, str):
        value = {"name": value}
    data = _mapping(value, path)
    _keys(data, path, ["name"], ["params", "label"] if labelled else ["params"])
    name = _str(data["name"], f"{path}.name")
    params = dict(_mapping(data.get("params") or {}, f"{path}.params"))
    label = data.get("label")
    if label is None:
        preset = params.get("preset")
        label = f"{name}_{preset}" if isinstance(preset, str) else name
        label = label.replace(":", "_").replace(".", "_")
    label = _dir_name(label, f"{path}.label", "a run directory")
    return ComponentConfig(name=name, params=params, label=label)


#: The longest experiment name or teacher label (each names a directory).
MAX_NAME = 100
#: Invisible characters that reorder or hide text (bidirectional controls, zero-width marks).
_BIDI = set("\u061c\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff")


def _dir_name(value: Any, path: str, what: str) -> str:
    """A string that is safe as one directory name: no separators, no hidden or control characters."""
    value = _str(value, path)
    problem = None
    if value in (".", "..") or value.startswith("."):
        problem = "must not start with '.' ('.' and '..' are not names, and hidden names are the runner's own)"
    elif len(value) > MAX_NAME:
        problem = f"is {len(value)} characters long; at most {MAX_NAME} are allowed"
    else:
        for c in value:
            if c in "/\\ " or c in _BIDI or unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"):
                problem = (
                    f"must not contain {c!r} (U+{ord(c):04X}): path separators, spaces, control and "
                    "invisible or bidirectional characters are not allowed"
                )
                break
    if problem is not None:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise ConfigError(f"{path}: {shown!r} {problem} (it names {what})")
    return value


TOP_REQUIRED = ["name", "student", "budget", "evaluation", "seeds"]
TOP_OPTIONAL = ["teacher", "teachers", "environment", "output_dir", "logging", "checkpoint", "ray"]


def _number(value: Any, path: str, minimum: float) -> float:
    try:
        number = float(value) if is_number(value) else math.nan
    except OverflowError:  # an integer beyond float range
        number = math.inf
    if not math.isfinite(number) or number < minimum:
        raise ConfigError(f"{path}: expected a finite number >= {minimum}, got {value!r}")
    return number


def _optional_str(value: Any, path: str) -> str | None:
    return None if value is None else _str(value, path)


def parse_ray(value: Any, path: str = "ray") -> RayConfig:
    """Validate the ``ray:`` section (every error names ``ray.<key>``)."""
    data = _mapping(value if value is not None else {}, path)
    _keys(data, path, [], list(RayConfig.__dataclass_fields__))
    cfg = RayConfig(
        address=_optional_str(data.get("address"), f"{path}.address"),
        num_cpus=None if data.get("num_cpus") is None else _int(data["num_cpus"], f"{path}.num_cpus", 1),
        cpus_per_trial=_number(data.get("cpus_per_trial", 1.0), f"{path}.cpus_per_trial", 0.0),
        gpus_per_trial=_number(data.get("gpus_per_trial", 0.0), f"{path}.gpus_per_trial", 0.0),
        max_concurrent_trials=None
        if data.get("max_concurrent_trials") is None
        else _int(data["max_concurrent_trials"], f"{path}.max_concurrent_trials", 1),
        max_failures=_int(data.get("max_failures", 3), f"{path}.max_failures", 0),
        storage_path=_optional_str(data.get("storage_path"), f"{path}.storage_path"),
    )
    if cfg.cpus_per_trial == 0 and cfg.gpus_per_trial == 0:
        raise ConfigError(f"{path}.cpus_per_trial: 0 together with gpus_per_trial 0; a trial needs some resource")
    if cfg.address is not None and cfg.num_cpus is not None:
        raise ConfigError(
            f"{path}.num_cpus: {cfg.num_cpus} sizes a local Ray, but {path}.address {cfg.address!r} names a "
            "cluster; give one of them"
        )
    return cfg


def parse_config(data: Any, source: str = "<dict>") -> ExperimentConfig:
    """Validate a mapping (as loaded from YAML) into an :class:`ExperimentConfig`."""
    data = _mapping(data, "experiment file")
    _keys(data, "", TOP_REQUIRED, TOP_OPTIONAL)
    name = _dir_name(data["name"], "name", "the experiment directory")

    if ("teacher" in data) == ("teachers" in data):
        raise ConfigError("teacher/teachers: give exactly one of 'teacher' (one mapping) or 'teachers' (a list)")
    if "teacher" in data:
        teachers = [_component(data["teacher"], "teacher", labelled=True)]
    else:
        raw = data["teachers"]
        if not isinstance(raw, list) or not raw:
            raise ConfigError(f"teachers: expected a non-empty list of teachers, got {raw!r}")
        teachers = [_component(t, f"teachers[{i}]", labelled=True) for i, t in enumerate(raw)]
    labels = [t.label for t in teachers]
    dup = sorted({x for x in labels if labels.count(x) > 1})
    if dup:
        raise ConfigError(f"teachers: labels {dup} appear more than once; give each entry a distinct 'label'")

    student = _component(data["student"], "student", labelled=False)
    budget = _int(data["budget"], "budget", 1)

    ev = _mapping(data["evaluation"], "evaluation")
    _keys(ev, "evaluation", ["every"], ["episodes", "test_set"])
    evaluation = EvaluationConfig(
        every=_int(ev["every"], "evaluation.every", 1),
        episodes=_int(ev.get("episodes", 1), "evaluation.episodes", 1),
        test_set=ev.get("test_set"),
    )

    seeds = data["seeds"]
    if isinstance(seeds, int) and not isinstance(seeds, bool):
        seeds = [seeds]
    if not isinstance(seeds, list) or not seeds:
        raise ConfigError(f"seeds: expected a non-empty list of integers, got {seeds!r}")
    seeds = [_int(s, f"seeds[{i}]", 0, 2**63 - 1) for i, s in enumerate(seeds)]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds: {seeds} contains duplicates")

    environment = None
    if data.get("environment") is not None:
        env = _mapping(data["environment"], "environment")
        _keys(env, "environment", ["id"], ["kwargs"])
        environment = EnvironmentConfig(
            id=_str(env["id"], "environment.id"), kwargs=dict(_mapping(env.get("kwargs") or {}, "environment.kwargs"))
        )

    log = _mapping(data.get("logging") or {}, "logging")
    _keys(log, "logging", [], ["tensorboard", "scalars_every", "histogram_every", "image_every", "progress_bar"])
    for key in ("tensorboard", "progress_bar"):
        if key in log and not isinstance(log[key], bool):
            raise ConfigError(f"logging.{key}: expected true or false, got {log[key]!r}")
    logging = LoggingConfig(
        tensorboard=log.get("tensorboard", True),
        scalars_every=_int(log.get("scalars_every", max(1, evaluation.every // 10)), "logging.scalars_every", 1),
        histogram_every=_int(log.get("histogram_every", evaluation.every), "logging.histogram_every", 0),
        image_every=_int(log.get("image_every", evaluation.every), "logging.image_every", 0),
        progress_bar=log.get("progress_bar", True),
    )

    ck = _mapping(data.get("checkpoint") or {}, "checkpoint")
    _keys(ck, "checkpoint", [], ["every"])
    checkpoint = CheckpointConfig(every=_int(ck.get("every", 0), "checkpoint.every", 0))

    output_dir = _str(data.get("output_dir", "runs"), "output_dir")
    if "\x00" in output_dir:
        raise ConfigError(f"output_dir: {output_dir!r} contains a NUL character, which no path can hold")
    ray = parse_ray(data["ray"]) if "ray" in data else None
    return ExperimentConfig(
        name=name,
        teachers=teachers,
        student=student,
        budget=budget,
        evaluation=evaluation,
        seeds=seeds,
        output_dir=output_dir,
        environment=environment,
        logging=logging,
        checkpoint=checkpoint,
        ray=ray,
        source=source,
    )


def load_config(path: str | Path, output_dir: str | None = None) -> ExperimentConfig:
    """Read and validate an experiment file. ``output_dir`` overrides the file's."""
    path = Path(path)
    try:
        data = load_yaml(path)
    except YAMLInputError as e:
        raise ConfigError(str(e)) from None
    if output_dir is not None:
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
        data = {**data, "output_dir": output_dir}
    try:
        config = parse_config(data, source=str(path))
    except ConfigError as e:
        raise ConfigError(f"{path}: {e}") from None
    base = path.resolve().parent
    for component in [config.student, *config.teachers]:
        component.params = resolve_relative_paths(component.params, base)
    return config


def resolve_relative_paths(value: Any, base: Path) -> Any:
    """Strings starting with ``./`` or ``../`` inside ``value`` (nested mappings and lists), made absolute from ``base``."""
    if isinstance(value, str) and value.startswith(("./", "../")):
        return str((base / value).resolve())
    if isinstance(value, dict):
        return {k: resolve_relative_paths(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_relative_paths(v, base) for v in value]
    return value
