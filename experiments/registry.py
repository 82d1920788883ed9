"""The plugin registry: teachers, students and environments by name.

Built-in teachers come from :data:`autocurriculum.teachers.TEACHERS`; built-in students are registered below.
Third-party packages add their own through entry points declared in their packaging::

    [options.entry_points]
    autocurriculum.teachers =
        my_teacher = my_package.teachers:MyTeacher
    autocurriculum.students =
        my_student = my_package.students:make_my_student
    autocurriculum.environments =
        my_envs = my_package.envs      # a module that registers gymnasium ids on import

and an experiment file may also name a class directly as ``package.module:ClassName``.
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

import numpy as np

from autocurriculum.experiments.config import ComponentConfig, ConfigError, EnvironmentConfig, EvaluationConfig
from autocurriculum.students.base import Student
from autocurriculum.teachers import TEACHERS
from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.registry import suggest
from autocurriculum.teachers.spaces import TaskSpace

__all__ = [
    "STUDENTS",
    "StudentFactory",
    "build_student",
    "broken_plugin",
    "build_teacher",
    "environment_ids",
    "load_environment_plugins",
    "register_student",
    "run_seeds",
    "student_factories",
    "teacher_classes",
]

GROUP_TEACHERS = "autocurriculum.teachers"
GROUP_STUDENTS = "autocurriculum.students"
GROUP_ENVIRONMENTS = "autocurriculum.environments"


@dataclass
class StudentFactory:
    """Builds a :class:`~autocurriculum.students.base.Student` from an experiment's settings.

    ``build(params, environment, evaluation, seed)``; ``params_of`` documents the parameters
    for ``autocurriculum list``.
    """

    build: Callable[[dict[str, Any], EnvironmentConfig | None, EvaluationConfig, int], Student]
    params_of: Callable[..., Any]
    unit: str
    origin: str = "built-in"


STUDENTS: dict[str, StudentFactory] = {}


def register_student(name: str, factory: StudentFactory) -> None:
    if name in STUDENTS:
        raise ValueError(f"register_student: name {name!r} is already registered")
    STUDENTS[name] = factory


#: Plugin entry points that failed to load or named the wrong kind of object: group -> name -> reason.
BROKEN_PLUGINS: dict[str, dict[str, str]] = {}


def _broken(group: str, name: str, reason: str) -> None:
    """Record a broken entry point and warn once, naming it; the other plugins still load."""
    if BROKEN_PLUGINS.setdefault(group, {}).get(name) != reason:
        BROKEN_PLUGINS[group][name] = reason
        warnings.warn(f"plugin entry point {name!r} in group {group!r} is skipped: {reason}", UserWarning, stacklevel=3)


def _load_entry_points(group: str) -> dict[str, Any]:
    """Every entry point of ``group`` that loads; a broken one is warned about by name and skipped."""
    loaded = {}
    for ep in entry_points(group=group):
        try:
            loaded[ep.name] = ep.load()
        except Exception as e:  # a broken plugin must not hide the others
            _broken(group, ep.name, f"{ep.value!r} failed to load: {type(e).__name__}: {e}")
    return loaded


def broken_plugin(group: str, name: str) -> str | None:
    """Why the entry point ``name`` of ``group`` was skipped, or None."""
    return BROKEN_PLUGINS.get(group, {}).get(name)


def load_environment_plugins() -> list[str]:
    """Import every ``autocurriculum.environments`` plugin (they register gymnasium ids); return their names."""
    return sorted(_load_entry_points(GROUP_ENVIRONMENTS))


def _import_object(spec: str, what: str) -> Any:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise ConfigError(f"{what}: {spec!r} is not of the form 'package.module:ClassName'")
    try:
        module = importlib.import_module(module_name)
    except ImportError as e:
        raise ConfigError(f"{what}: cannot import module {module_name!r} ({e})") from None
    except Exception as e:  # the module itself is broken: one line naming it, not a traceback
        raise ConfigError(f"{what}: importing module {module_name!r} raised {type(e).__name__}: {e}") from None
    try:
        return getattr(module, attr)
    except AttributeError:
        raise ConfigError(f"{what}: module {module_name!r} has no attribute {attr!r}") from None


def teacher_classes() -> dict[str, tuple[type[Teacher], str]]:
    """Name -> (class, origin) for built-in and plugin teachers."""
    out: dict[str, tuple[type[Teacher], str]] = {name: (cls, "built-in") for name, cls in TEACHERS.items()}
    for name, obj in _load_entry_points(GROUP_TEACHERS).items():
        if not (isinstance(obj, type) and issubclass(obj, Teacher)):
            _broken(GROUP_TEACHERS, name, f"it names {obj!r}, not an autocurriculum.teachers.Teacher subclass")
        elif name in out:
            _broken(GROUP_TEACHERS, name, f"{obj.__module__} clashes with the existing teacher {name!r}")
        else:
            out[name] = (obj, f"plugin {obj.__module__}")
    return out


def student_factories() -> dict[str, StudentFactory]:
    """Name -> factory for built-in and plugin students."""
    out = dict(STUDENTS)
    for name, obj in _load_entry_points(GROUP_STUDENTS).items():
        if name in out:
            _broken(GROUP_STUDENTS, name, f"it clashes with the existing student {name!r}")
            continue
        try:
            out[name] = _plugin_student(obj, f"plugin {getattr(obj, '__module__', '?')}")
        except ImportError as e:
            _broken(GROUP_STUDENTS, name, str(e))
    return out


def _plugin_student(obj: Any, origin: str) -> StudentFactory:
    if isinstance(obj, StudentFactory):
        return obj
    if isinstance(obj, type) and issubclass(obj, Student):
        return StudentFactory(
            build=lambda params, env, ev, seed: obj(**params), params_of=obj.__init__, unit=obj.unit, origin=origin
        )
    if callable(obj):
        return StudentFactory(build=obj, params_of=obj, unit=getattr(obj, "unit", "steps"), origin=origin)
    raise ImportError(f"plugin student {obj!r} is neither a Student subclass nor a factory")


def environment_ids() -> list[str]:
    """Gymnasium ids of the project's namespace and those registered by plugin environment packages."""
    import gymnasium

    import autocurriculum.environments  # noqa: F401 - registers the built-in ids

    before = set(gymnasium.registry)
    load_environment_plugins()
    plugin_ids = set(gymnasium.registry) - before
    own = {k for k, spec in gymnasium.registry.items() if spec.namespace == "autocurriculum"}
    return sorted(own | plugin_ids)


def run_seeds(seed: int) -> tuple[int, int]:
    """Independent teacher and student seeds derived from a run's seed."""
    teacher_seed, student_seed = (int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(2))
    return teacher_seed, student_seed


def build_teacher(
    cfg: ComponentConfig,
    task_space: TaskSpace,
    seed: int,
    path: str = "teacher",
    defaults: Callable[[Collection[str]], dict[str, Any]] | None = None,
) -> Teacher:
    """Build and set up the teacher of ``cfg``; errors name ``path`` (the YAML key path).

    ``defaults(accepted_params)`` supplies parameters the file does not set (the student's
    ``teacher_defaults``, such as difficulty scores).
    """
    if ":" in cfg.name:
        cls = _import_object(cfg.name, f"{path}.name")
        if not (isinstance(cls, type) and issubclass(cls, Teacher)):
            raise ConfigError(f"{path}.name: {cfg.name!r} is {cls!r}, not a autocurriculum.teachers.Teacher subclass")
    else:
        classes = teacher_classes()
        if cfg.name not in classes:
            allowed = sorted(classes)
            reason = broken_plugin(GROUP_TEACHERS, cfg.name)
            if reason is not None:
                raise ConfigError(f"{path}.name: the plugin teacher {cfg.name!r} is broken: {reason}")
            raise ConfigError(
                f"{path}.name: unknown teacher {cfg.name!r}{suggest(cfg.name, allowed)}; allowed: {allowed}"
            )
        cls = classes[cfg.name][0]
    params = dict(cfg.params)
    if "seed" in params or "task_space" in params:
        raise ConfigError(
            f"{path}.params: 'seed' and 'task_space' are set by the runner (seeds and the student's environment)"
        )
    preset = params.pop("preset", None)
    allowed = [p for p in cls._param_names() if p not in ("task_space", "seed")]
    for key in params:
        if key not in allowed:
            raise ConfigError(
                f"{path}.params.{key}: unknown parameter of {cls.__name__}{suggest(key, allowed)}; allowed: {allowed}"
            )
    if defaults is not None:
        params = {**defaults([p for p in allowed if p not in params]), **params}
    try:
        if preset is not None:
            if not hasattr(cls, "from_preset"):
                raise ConfigError(f"{path}.params.preset: {cls.__name__} has no presets")
            teacher = cls.from_preset(preset, task_space, seed=seed, **params)
        else:
            teacher = cls(task_space, seed=seed, **_listify(params))
        teacher.setup()
    except (ValueError, TypeError) as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(f"{path}.params: {e}") from None
    if cls not in TEACHERS.values():
        _check_plugin_teacher(teacher, path)
    return teacher


#: Plugin teacher classes (and task-space kinds) that passed the contract suite's quick checks in this process.
_CHECKED_PLUGINS: set[tuple[type, str]] = set()


def _check_plugin_teacher(teacher: Teacher, path: str) -> None:
    """The contract suite's quick checks, the first time a plugin teacher class is used on a kind of space.

    Built-in teachers pass the whole suite in the project's tests; a plugin teacher is checked
    here, on clones (the teacher itself is untouched), before any run directory is made.
    """
    from autocurriculum.teachers.contract import ContractError, check_teacher

    key = (type(teacher), type(teacher.task_space).__name__)
    if key in _CHECKED_PLUGINS:
        return
    try:
        check_teacher(teacher, quick=True)
    except ContractError as e:
        raise ConfigError(
            f"{path}.name: the plugin teacher {type(teacher).__module__}.{type(teacher).__qualname__} breaks the "
            f"teacher contract: {e} (run autocurriculum.teachers.contract.check_teacher on it to see every check)"
        ) from None
    _CHECKED_PLUGINS.add(key)


def _listify(params: dict[str, Any]) -> dict[str, Any]:
    return {k: (tuple(v) if isinstance(v, list) and k == "return_bounds" else v) for k, v in params.items()}


def build_student(
    cfg: ComponentConfig, environment: EnvironmentConfig | None, evaluation: EvaluationConfig, seed: int
) -> Student:
    """Build the student of ``cfg``; errors name the ``student`` key path.

    Environment plugins are imported first, so their gymnasium ids exist in every process that
    builds a student (``run``, ``resume``, worker processes).
    """
    load_environment_plugins()
    if ":" in cfg.name:
        factory = _plugin_student(_import_object(cfg.name, "student.name"), cfg.name)
    else:
        factories = student_factories()
        if cfg.name not in factories:
            allowed = sorted(factories)
            reason = broken_plugin(GROUP_STUDENTS, cfg.name)
            if reason is not None:
                raise ConfigError(f"student.name: the plugin student {cfg.name!r} is broken: {reason}")
            raise ConfigError(
                f"student.name: unknown student {cfg.name!r}{suggest(cfg.name, allowed)}; allowed: {allowed}"
            )
        factory = factories[cfg.name]
    sig = inspect.signature(factory.params_of)
    if not any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        allowed = [p for p in sig.parameters if p not in ("self", "seed", "environment", "evaluation")]
        for key in cfg.params:
            if key not in allowed:
                raise ConfigError(f"student.params.{key}: unknown parameter{suggest(key, allowed)}; allowed: {allowed}")
    try:
        return factory.build(dict(cfg.params), environment, evaluation, seed)
    except (ValueError, TypeError) as e:
        if isinstance(e, ConfigError):
            raise
        raise ConfigError(f"student: {e}") from None


def _no_test_set(evaluation: EvaluationConfig, student: str, why: str) -> None:
    if evaluation.test_set is not None:
        raise ConfigError(f"evaluation.test_set: the {student} student takes no test set ({why}); remove the key")


def _unlock_grid(
    params: dict[str, Any], environment: EnvironmentConfig | None, evaluation: EvaluationConfig, seed: int
) -> Student:
    from autocurriculum.students.simulated import UnlockGridStudent

    if environment is not None:
        raise ConfigError(
            "environment: the unlock_grid student simulates its own tasks; remove the 'environment' section"
        )
    _no_test_set(evaluation, "unlock_grid", "it evaluates on every cell of its grid")
    return UnlockGridStudent(**params)


def _unlock_grid_params(d: int = 2, n: int = 10) -> None:
    """d: task dimensions; n: bins per dimension."""


register_student("unlock_grid", StudentFactory(build=_unlock_grid, params_of=_unlock_grid_params, unit="episodes"))


def _classification(
    params: dict[str, Any], environment: EnvironmentConfig | None, evaluation: EvaluationConfig, seed: int
) -> Student:
    from autocurriculum.students.classification import ClassificationStudent

    if environment is not None:
        raise ConfigError(
            "environment: the classification student trains on a data set; remove the 'environment' section"
        )
    if "seed" in params:
        raise ConfigError("student.params.seed: set by the runner from the experiment's seeds")
    _no_test_set(evaluation, "classification", "it evaluates on its data set's validation split")
    return ClassificationStudent(**params, seed=seed)


def _classification_params(
    dataset: str = "digits",
    dataset_params: dict[str, Any] | None = None,
    hidden: Sequence[int] = (128,),
    lr: float = 1e-3,
    batch_size: int = 32,
    optimizer: str = "adam",
    weight_decay: float = 0.0,
    scoring: str = "reference",
    reference_epochs: int = 30,
) -> None:
    """See autocurriculum.students.classification.ClassificationStudent."""


register_student(
    "classification", StudentFactory(build=_classification, params_of=_classification_params, unit="presentations")
)


#: Keyword arguments ``gymnasium.make`` takes itself (the SB3 students pass the kwargs through it).
_GYM_MAKE_KWARGS = ("max_episode_steps", "disable_env_checker")

_SB3_RESERVED = (
    "env", "env_kwargs", "teacher", "total_timesteps", "test_tasks", "test_episodes", "eval_every", "callback", "seed",
)  # fmt: skip


def _sb3_student(kind: str) -> Callable[[dict[str, Any], EnvironmentConfig | None, EvaluationConfig, int], Student]:
    def build(
        params: dict[str, Any], environment: EnvironmentConfig | None, evaluation: EvaluationConfig, seed: int
    ) -> Student:
        from autocurriculum.students.paired import PAIREDStudent
        from autocurriculum.students.sb3 import PPOStudent, SACStudent

        if environment is None:
            raise ConfigError(f"environment: the {kind} student needs an 'environment' section with a gymnasium id")
        for key in _SB3_RESERVED:
            if key in params:
                raise ConfigError(
                    f"student.params.{key}: set by the runner (environment section, evaluation.test_set, seeds, budget)"
                )
        test_set = evaluation.test_set
        if test_set is not None and not (isinstance(test_set, (list, dict)) and test_set):
            raise ConfigError(
                "evaluation.test_set: expected a non-empty list of tasks or a {name: task} mapping "
                f"(or nothing for the default), got {test_set!r}"
            )
        if isinstance(test_set, dict):
            bad = [k for k in test_set if not isinstance(k, str) or not k]
            if bad:
                raise ConfigError(f"evaluation.test_set: test terrain names must be non-empty strings, got {bad!r}")
        cls = {"ppo": PPOStudent, "sac": SACStudent, "paired": PAIREDStudent}[kind]
        _check_environment(environment)
        _check_algo_kwargs(params.get("algo_kwargs"), getattr(cls, "algo_class", PPOStudent.algo_class))
        if params.get("discount_teacher") is not None:
            params["discount_teacher"] = _discount_teacher(params["discount_teacher"], seed)
        if params.get("imitation") is not None:
            params["imitation"] = _imitation(params["imitation"])
        student = cls(
            environment.id,
            env_kwargs=environment.kwargs,
            test_tasks=test_set,
            test_episodes=evaluation.episodes,
            seed=seed,
            **params,
        )
        try:
            student._validate()
        except (ValueError, TypeError) as e:
            raise ConfigError(f"student.params.{e}") from None
        try:
            space = student.task_space  # makes one environment: its keyword arguments are checked here
        except (ValueError, TypeError) as e:
            raise ConfigError(f"environment.kwargs: {environment.id} refused them: {e}") from None
        if test_set is not None:
            keyed = test_set.items() if isinstance(test_set, dict) else enumerate(test_set)
            for i, task in keyed:
                try:
                    space.check(task, f"evaluation.test_set.{i}" if isinstance(i, str) else f"evaluation.test_set[{i}]")
                except (ValueError, TypeError) as e:
                    raise ConfigError(str(e)) from None
        return student

    return build


def _check_environment(environment: EnvironmentConfig) -> None:
    """The id is registered and every keyword argument is one its entry point accepts."""
    import gymnasium
    from gymnasium.envs.registration import load_env_creator

    import autocurriculum.environments  # noqa: F401 - registers the built-in ids

    try:
        spec = gymnasium.spec(environment.id)
    except gymnasium.error.Error as e:
        own = sorted(k for k, v in gymnasium.registry.items() if v.namespace == "autocurriculum")
        raise ConfigError(
            f"environment.id: {environment.id!r} is not a registered gymnasium id ({e}){suggest(environment.id, own)}; "
            f"the project's ids: {own} (plugin ids need their package's entry point)"
        ) from None
    if not environment.kwargs:
        return
    entry = spec.entry_point
    try:
        creator = load_env_creator(entry) if isinstance(entry, str) else entry
        sig = inspect.signature(creator)
    except (ImportError, AttributeError, ValueError, TypeError) as e:
        raise ConfigError(f"environment.id: the entry point {entry!r} of {environment.id!r} cannot be loaded: {e}") from None
    if any(p.kind == p.VAR_KEYWORD for p in sig.parameters.values()):
        return
    # gymnasium.make's own keywords (max_episode_steps, disable_env_checker) besides the constructor's
    make_keywords = [p for p in inspect.signature(gymnasium.make).parameters if p not in ("id", "kwargs")]
    allowed = [p for p in sig.parameters if p != "self"] + make_keywords
    for key in environment.kwargs:
        if key not in allowed and key not in _GYM_MAKE_KWARGS:
            raise ConfigError(
                f"environment.kwargs.{key}: not a keyword argument of {environment.id}{suggest(key, allowed)}; "
                f"allowed: {allowed}"
            )


def _check_algo_kwargs(value: Any, algo_class: type) -> None:
    """``student.params.algo_kwargs``: a mapping of the SB3 algorithm's keyword arguments."""
    if value is None:
        return
    path = "student.params.algo_kwargs"
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: expected a mapping of {algo_class.__name__} keyword arguments, got {value!r}")
    allowed = [
        name
        for cls in algo_class.__mro__
        if "__init__" in vars(cls)
        for name in inspect.signature(cls.__init__).parameters
        if name not in ("self", "args", "kwargs")
    ]
    for key in value:
        if key not in allowed:
            raise ConfigError(
                f"{path}.{key}: not a keyword argument of stable-baselines3's {algo_class.__name__}"
                f"{suggest(str(key), sorted(set(allowed)))}"
            )


def _discount_teacher(value: Any, seed: int) -> Teacher:
    """``student.params.discount_teacher``: ``{name: ads, params: {...}}`` over ``gamma`` in [0, 1]."""
    from autocurriculum.teachers.ads import discount_space

    path = "student.params.discount_teacher"
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict) or not isinstance(value.get("name"), str):
        raise ConfigError(f"{path}: expected a mapping with 'name' (e.g. ads) and optional 'params', got {value!r}")
    extra = sorted(set(value) - {"name", "params"})
    if extra:
        raise ConfigError(f"{path}.{extra[0]}: unknown key; allowed: ['name', 'params']")
    params = value.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{path}.params: expected a mapping, got {params!r}")
    # its own seed, apart from the student's and the task teacher's
    teacher_seed = int(np.random.SeedSequence([seed, 1]).generate_state(1)[0])
    return build_teacher(ComponentConfig(name=value["name"], params=dict(params)), discount_space(), teacher_seed, path)


def _imitation(value: Any) -> Any:
    """``student.params.imitation``: the keyword arguments of ``autocurriculum.students.imitation.OTRewarder``."""
    from autocurriculum.students.imitation import OTRewarder

    path = "student.params.imitation"
    if not isinstance(value, dict) or "demos" not in value:
        raise ConfigError(
            f"{path}: expected a mapping with 'demos' (an .npz path) and OTRewarder options, got {value!r}"
        )
    allowed = [p for p in inspect.signature(OTRewarder).parameters if p != "self"]
    for key in value:
        if key not in allowed:
            raise ConfigError(
                f"{path}.{key}: unknown parameter of OTRewarder{suggest(key, allowed)}; allowed: {allowed}"
            )
    try:
        return OTRewarder(**value)
    except (ValueError, TypeError, OSError) as e:
        raise ConfigError(f"{path}: {e}") from None


def _sb3_params(
    n_envs: int = 4,
    vec_env: str | None = None,
    mastery_threshold: float = 230.0,
    n_eval_envs: int = 8,
    eval_seed: int = 12345,
    eval_attempts: int = 1,
    sampled_levels: int = 0,
    sampled_attempts: int = 1,
    normalize: bool | None = None,
    score: str = "positive_value_loss",
    return_bounds: tuple[float, float] | None = None,
    algo_kwargs: dict[str, Any] | None = None,
    discount_teacher: dict[str, Any] | None = None,
    discount_every: int | None = None,
    discount_tasks: list[Any] | None = None,
    imitation: dict[str, Any] | None = None,
    reset_every: int | None = None,
) -> None:
    """See autocurriculum.students.sb3.SB3Student (environment, test set, seed and budget come from the file).

    ``discount_teacher`` is a teacher mapping (``{name: ads, params: {demos: ./demos.npz}}``);
    ``imitation`` holds the options of ``autocurriculum.students.imitation.OTRewarder`` (``{demos: ./demos.npz}``).
    """


register_student("ppo", StudentFactory(build=_sb3_student("ppo"), params_of=_sb3_params, unit="steps"))
register_student("sac", StudentFactory(build=_sb3_student("sac"), params_of=_sb3_params, unit="steps"))


def _paired_params(
    n_envs: int = 4,
    vec_env: str | None = None,
    mastery_threshold: float = 230.0,
    n_eval_envs: int = 8,
    eval_seed: int = 12345,
    eval_attempts: int = 1,
    sampled_levels: int = 0,
    sampled_attempts: int = 1,
    normalize: bool | None = None,
    return_bounds: tuple[float, float] | None = None,
    algo_kwargs: dict[str, Any] | None = None,
) -> None:
    """See autocurriculum.students.paired.PAIREDStudent: protagonist and antagonist PPO on the same levels
    (``n_envs`` levels per round, ``algo_kwargs`` for both learners); the budget counts both learners' steps."""


register_student("paired", StudentFactory(build=_sb3_student("paired"), params_of=_paired_params, unit="steps"))
