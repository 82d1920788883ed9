"""GoalGAN: a least-squares GAN that generates goals of intermediate difficulty.

Florensa, Held, Geng & Abbeel, "Automatic Goal Generation for Reinforcement Learning Agents",
ICML 2018; benchmark settings from Romac et al., "TeachMyAgent", ICML 2021.

The algorithm:

* a goal produced by the generator (plus Gaussian noise of ``noise_level`` times each range,
  clipped to the box) is proposed ``n_rollouts`` times; once all its attempts are reported, its
  success rate ``s`` labels it *good* when ``goid_lb <= s <= goid_ub`` (the paper's
  ``R_min``/``R_max``), and a goal with ``s > goid_ub`` joins a buffer of solved goals (kept only if
  it lies farther than ``success_distance_threshold`` times the box diagonal from every goal there);
* with probability ``p_old`` (and a non-empty buffer) the lesson is an old solved goal with the same
  noise, not labelled; with probability ``p_random`` (0 in TeachMyAgent) a uniform goal, labelled
  like generated ones (a way out when the generator has collapsed onto goals that are never good);
* every ``update_size`` labelled goals, if any is good, the GAN trains ``gan_train_iters`` iterations
  on them (LSGAN with ``a, b, c = -1, 1, 0``: the discriminator pushes good goals to 1, bad and
  generated goals to -1; the generator pushes its goals to 0);
* before that, the generator is pre-trained ``pretrain_iters`` iterations to reproduce 1000 draws
  of the initial Gaussian (``initial_mean``/``initial_std``, TeachMyAgent's expert knowledge) or,
  without it, of the uniform distribution; while it is pre-trained, lessons come straight from that
  distribution (origin ``"bootstrap"``) and are labelled like generated goals.

Success is ``episode_return > success_threshold`` (TeachMyAgent: 230 on the walkers, which the SB3
students supply on Stump Tracks) or, with ``success_threshold=None``, the feedback's ``success``.

GAN training runs in budgeted slices (:mod:`autocurriculum.teachers.networks`): at most
``steps_per_update`` iterations per ``update()`` call. Networks are small by default
(``[64, 64]`` each); TeachMyAgent's are a ``[256, 256]`` generator and a ``[128, 128]``
discriminator with a noise vector as long as the task.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson
from autocurriculum.teachers.networks import NetworkTeacher, check_hidden_sizes, import_torch, single_thread
from autocurriculum.teachers.random_teacher import gaussian_params
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import StateReader, describe, is_int, is_number

__all__ = ["GOAL_GAN_PRESETS", "GoalGAN", "success_of"]

#: ``teachmyagent``: TeachMyAgent's benchmark settings (success return 230 comes from the student);
#: ``unlock_grid``: the same with success = a return above 0.75 (a cell past the unlocking competence),
#: pre-training on the easiest corner, and 20% uniform goals (see ``p_random``).
GOAL_GAN_PRESETS: dict[str, dict[str, Any]] = {
    "teachmyagent": {
        "noise_level": 0.01,
        "success_distance_threshold": 0.01,
        "update_size": 100,
        "n_rollouts": 2,
        "goid_lb": 0.25,
        "goid_ub": 0.75,
        "p_old": 0.2,
        "gan_train_iters": 250,
        "pretrain_iters": 500,
    },
    "unlock_grid": {
        "noise_level": 0.01,
        "success_distance_threshold": 0.01,
        "update_size": 100,
        "n_rollouts": 2,
        "goid_lb": 0.25,
        "goid_ub": 0.75,
        "p_old": 0.2,
        "gan_train_iters": 250,
        "pretrain_iters": 500,
        "success_threshold": 0.75,
        "initial_mean": 0.0,
        "p_random": 0.2,
    },
}

_PRETRAIN_SAMPLES = 1000


def success_of(feedback: Feedback, threshold: float | None, owner: str) -> bool:
    """``episode_return > threshold``, or ``feedback.success`` when ``threshold`` is ``None``."""
    if threshold is not None:
        assert feedback.episode_return is not None
        return feedback.episode_return > threshold
    if feedback.success is None:
        raise ValueError(
            f"{owner}.update: feedback lacks 'success' and success_threshold is None; report success or "
            "give success_threshold (a return above which an episode counts as solved, 230 on the walkers)"
        )
    return bool(feedback.success)


def check_success_threshold(value: Any, owner: str) -> None:
    if value is not None and (not is_number(value) or not np.isfinite(value)):
        raise ValueError(f"{owner}.success_threshold: expected a finite number or None, got {value!r}")


class GoalGAN(NetworkTeacher):
    """GoalGAN teacher (Florensa et al., ICML 2018), as benchmarked in TeachMyAgent.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace`.
    success_threshold:
        Raw return above which an episode is a success; ``None``: read ``feedback.success``.
    noise_level:
        Std of the noise on generated and replayed goals, as a fraction of each range (0.01).
    success_distance_threshold:
        Minimum distance between solved goals kept for replay, as a fraction of the box diagonal (0.01).
    update_size:
        Labelled goals per GAN training round (TeachMyAgent: 100).
    n_rollouts:
        Attempts per generated goal before it is labelled (2).
    goid_lb, goid_ub:
        The band of success rates labelled good (TeachMyAgent: 0.25, 0.75; the paper: 0.1, 0.9).
    p_old:
        Probability of replaying a solved goal (0.2).
    p_random:
        Probability of a uniform goal, labelled like generated ones (0; TeachMyAgent has none).
    gan_train_iters:
        GAN iterations (one discriminator and one generator step) per round (250).
    pretrain_iters:
        Iterations fitting the generator to the initial distribution before the first round (500).
    generator_hidden, discriminator_hidden:
        Hidden layer widths (default ``[64, 64]``; TeachMyAgent: ``[256, 256]`` and ``[128, 128]``).
    learning_rate:
        Adam learning rate of both networks (1e-3).
    batch_size:
        Labelled goals (and as many generated ones) per GAN iteration (128).
    steps_per_update:
        Most GAN iterations run inside one ``update()`` call (10).
    initial_mean, initial_std:
        Optional initial Gaussian for pre-training (task units; std defaults to 10% of each range).
    seed:
        Seed of the teacher's generators.

    Lessons have origin ``"bootstrap"``, ``"gan"``, ``"random"`` (with ``info["goal"]``, the goal's id)
    or ``"old"``.
    """

    name: ClassVar[str] = "goal_gan"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = GOAL_GAN_PRESETS
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        success_threshold: float | None = None,
        noise_level: float = 0.01,
        success_distance_threshold: float = 0.01,
        update_size: int = 100,
        n_rollouts: int = 2,
        goid_lb: float = 0.25,
        goid_ub: float = 0.75,
        p_old: float = 0.2,
        p_random: float = 0.0,
        gan_train_iters: int = 250,
        pretrain_iters: int = 500,
        generator_hidden: Sequence[int] = (64, 64),
        discriminator_hidden: Sequence[int] = (64, 64),
        learning_rate: float = 1e-3,
        batch_size: int = 128,
        steps_per_update: int = 10,
        initial_mean: Sequence[float] | float | None = None,
        initial_std: Sequence[float] | float | None = None,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.success_threshold = success_threshold
        self.noise_level = noise_level
        self.success_distance_threshold = success_distance_threshold
        self.update_size = update_size
        self.n_rollouts = n_rollouts
        self.goid_lb = goid_lb
        self.goid_ub = goid_ub
        self.p_old = p_old
        self.p_random = p_random
        self.gan_train_iters = gan_train_iters
        self.pretrain_iters = pretrain_iters
        self.generator_hidden = generator_hidden
        self.discriminator_hidden = discriminator_hidden
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.steps_per_update = steps_per_update
        self.initial_mean = initial_mean
        self.initial_std = initial_std

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> GoalGAN:
        """Build with a named preset (``"teachmyagent"`` or ``"unlock_grid"``) and overrides."""
        if preset not in cls.PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(cls.PRESETS)}")
        return cls(task_space, **{**cls.PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = "GoalGAN"
        check_success_threshold(self.success_threshold, owner)
        for name in ("update_size", "n_rollouts", "gan_train_iters", "batch_size"):
            v = getattr(self, name)
            if not is_int(v) or v < 1:
                raise ValueError(f"{owner}.{name}: expected a positive integer, got {v!r}")
        if not is_int(self.pretrain_iters) or self.pretrain_iters < 0:
            raise ValueError(f"{owner}.pretrain_iters: expected an integer >= 0, got {self.pretrain_iters!r}")
        for name in ("noise_level", "success_distance_threshold"):
            v = getattr(self, name)
            if not is_number(v) or not (np.isfinite(v) and v >= 0):
                raise ValueError(f"{owner}.{name}: expected a finite number >= 0, got {v!r}")
        for name in ("goid_lb", "goid_ub", "p_old", "p_random"):
            v = getattr(self, name)
            if not is_number(v) or not 0.0 <= v <= 1.0:
                raise ValueError(f"{owner}.{name}: expected a number in [0, 1], got {v!r}")
        if self.p_old + self.p_random > 1.0:
            raise ValueError(f"{owner}.p_random: p_old + p_random = {self.p_old + self.p_random} exceeds 1")
        if self.goid_lb > self.goid_ub:
            raise ValueError(f"{owner}.goid_lb: got {self.goid_lb!r} > goid_ub={self.goid_ub!r}")
        if not is_number(self.learning_rate) or not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"{owner}.learning_rate: expected a finite number > 0, got {self.learning_rate!r}")
        self.gen_hidden_ = check_hidden_sizes(self.generator_hidden, owner, "generator_hidden")
        self.dis_hidden_ = check_hidden_sizes(self.discriminator_hidden, owner, "discriminator_hidden")
        self._validate_budget()
        mean = self.initial_mean
        if is_number(mean):
            mean = np.full(self.task_space.dim, float(mean))  # type: ignore[arg-type]
        self.init_mean_, self.init_std_ = gaussian_params(self.task_space, mean, self.initial_std, owner)  # type: ignore[arg-type]

    def _build_networks(self) -> None:
        torch = import_torch()
        d = self.task_space.dim
        self.generator_ = self._mlp(d, self.gen_hidden_, d)
        self.discriminator_ = self._mlp(d, self.dis_hidden_, 1)
        lr = float(self.learning_rate)
        self.gen_opt_ = torch.optim.Adam(self.generator_.parameters(), lr=lr, betas=(0.5, 0.999))
        self.dis_opt_ = torch.optim.Adam(self.discriminator_.parameters(), lr=lr, betas=(0.5, 0.999))

    def _networks(self) -> dict[str, Any]:
        return {"generator": self.generator_, "discriminator": self.discriminator_}

    def _optimisers(self) -> dict[str, Any]:
        return {"generator": self.gen_opt_, "discriminator": self.dis_opt_}

    def _init_state(self) -> None:
        super()._init_state()
        self.queue_: list[tuple[np.ndarray, int, str]] = []  # repeats of generated goals still to propose
        self.attempts_: dict[int, list[bool]] = {}  # goal id -> successes reported so far
        self.goal_counter_ = 0
        self.labelled_goals_: list[np.ndarray] = []
        self.labels_: list[bool] = []
        self.solved_ = np.empty((0, self.task_space.dim))
        self.n_good_ = 0
        self.n_labelled_ = 0
        self.n_skipped_rounds_ = 0
        # Pre-training data: draws of the initial distribution (or uniform), in unit coordinates.
        self.bootstrap_ = self.pretrain_iters > 0
        self.train_x_ = self._bootstrap_draws(_PRETRAIN_SAMPLES) if self.bootstrap_ else np.empty((0, 0))
        self.train_y_ = np.ones(self.train_x_.shape[0])
        if self.bootstrap_:
            self._queue_training(int(self.pretrain_iters))

    def _bootstrap_draws(self, n: int) -> np.ndarray:
        space = self.task_space
        if self.init_mean_ is None:
            return self.rng_.uniform(0.0, 1.0, size=(n, space.dim))
        assert self.init_std_ is not None
        draws = self.rng_.normal(self.init_mean_, self.init_std_, size=(n, space.dim))
        return space.to_unit(np.clip(draws, space.low, space.high))

    # ------------------------------------------------------------------ GAN
    def _generate(self, n: int) -> np.ndarray:
        """``n`` goals of the generator in unit coordinates (no noise)."""
        with single_thread() as torch, torch.no_grad():
            z = torch.randn(n, self.task_space.dim, generator=self.torch_rng_)
            out = self.generator_(z)
        return ((torch.tanh(out).double().numpy() + 1.0) / 2.0).reshape(n, -1)

    def _train_step(self) -> None:
        torch = import_torch()
        n_data = self.train_x_.shape[0]
        idx = torch.randint(n_data, (min(n_data, int(self.batch_size)),), generator=self.torch_rng_)
        x = torch.as_tensor(self.train_x_, dtype=torch.float32)[idx] * 2.0 - 1.0
        y = torch.as_tensor(self.train_y_, dtype=torch.float32)[idx][:, None]
        z = torch.randn(x.shape[0], self.task_space.dim, generator=self.torch_rng_)
        fake = torch.tanh(self.generator_(z))
        d_real = self.discriminator_(x)
        d_fake = self.discriminator_(fake.detach())
        d_loss = (y * (d_real - 1.0) ** 2 + (1.0 - y) * (d_real + 1.0) ** 2).mean() + ((d_fake + 1.0) ** 2).mean()
        self.dis_opt_.zero_grad()
        d_loss.backward()
        self.dis_opt_.step()
        g_loss = (self.discriminator_(fake) ** 2).mean()
        self.gen_opt_.zero_grad()
        g_loss.backward()
        self.gen_opt_.step()
        self.last_losses_ = (float(d_loss.detach()), float(g_loss.detach()))

    def _advance_training(self) -> None:
        super()._advance_training()
        if self.bootstrap_ and self.pending_steps_ == 0:
            self.bootstrap_ = False

    # ------------------------------------------------------------------ protocol
    def _noisy(self, unit: np.ndarray) -> np.ndarray:
        return np.clip(unit + self.rng_.normal(0.0, float(self.noise_level), size=unit.shape), 0.0, 1.0)

    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        space = self.task_space
        if self.queue_:
            unit, goal, origin = self.queue_.pop(0)
            return space.from_unit(unit), origin, {"goal": goal}
        u = self.rng_.random()
        if self.solved_.shape[0] and u < self.p_old:
            unit = self._noisy(self.solved_[int(self.rng_.integers(self.solved_.shape[0]))])
            return space.clip(space.from_unit(unit)), "old", {}
        if u >= 1.0 - self.p_random:
            unit, origin = self.rng_.uniform(0.0, 1.0, space.dim), "random"
        elif self.bootstrap_:
            unit, origin = self._bootstrap_draws(1)[0], "bootstrap"
        else:
            unit, origin = self._noisy(self._generate(1)[0]), "gan"
        goal = self.goal_counter_
        self.goal_counter_ += 1
        task = space.clip(space.from_unit(unit))
        unit = space.to_unit(task)
        self.attempts_[goal] = []
        self.queue_ += [(unit, goal, origin)] * (int(self.n_rollouts) - 1)
        return task, origin, {"goal": goal}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        success = success_of(feedback, self.success_threshold, "GoalGAN")
        goal = lesson.info.get("goal")
        if is_int(goal) and int(goal) in self.attempts_:
            goal = int(goal)
            attempts = self.attempts_[goal]
            attempts.append(success)
            if len(attempts) >= self.n_rollouts:
                del self.attempts_[goal]
                self._label(self.task_space.to_unit(lesson.task), float(np.mean(attempts)))
        self._advance_training()

    def _label(self, unit: np.ndarray, rate: float) -> None:
        good = self.goid_lb <= rate <= self.goid_ub
        self.labelled_goals_.append(unit)
        self.labels_.append(good)
        self.n_labelled_ += 1
        self.n_good_ += int(good)
        if rate > self.goid_ub:
            self._add_solved(unit)
        if len(self.labels_) >= self.update_size:
            if any(self.labels_):
                self.train_x_ = np.array(self.labelled_goals_)
                self.train_y_ = np.array(self.labels_, dtype=np.float64)
                self.bootstrap_ = False
                self._queue_training(int(self.gan_train_iters))
            else:
                self.n_skipped_rounds_ += 1
            self.labelled_goals_, self.labels_ = [], []

    def _add_solved(self, unit: np.ndarray) -> None:
        min_dist = float(self.success_distance_threshold) * np.sqrt(self.task_space.dim)
        if self.solved_.shape[0] and min_dist > 0:
            if np.min(np.linalg.norm(self.solved_ - unit, axis=1)) <= min_dist:
                return
        self.solved_ = np.vstack([self.solved_, unit])

    def generate(self, n: int) -> np.ndarray:
        """``n`` goals of the current generator in task units, without noise (for plots and tests)."""
        self._ensure_setup()
        if not is_int(n) or n < 1:
            raise ValueError(f"GoalGAN.generate: n must be a positive integer, got {n!r}")
        return self.task_space.from_unit(self._generate(int(n)))

    def _metrics(self) -> dict[str, float]:
        out = self._net_metrics()
        out.update(
            {
                "n_labelled": float(self.n_labelled_),
                "n_good": float(self.n_good_),
                "n_solved_buffer": float(self.solved_.shape[0]),
                "n_skipped_rounds": float(self.n_skipped_rounds_),
                "bootstrap": float(self.bootstrap_),
            }
        )
        return out

    # ------------------------------------------------------------------ checkpoints
    def _get_net_state(self) -> dict[str, Any]:
        d = self.task_space.dim
        return {
            "queue_goals": np.array([q[0] for q in self.queue_], dtype=np.float64).reshape(-1, d),
            "queue_ids": [int(q[1]) for q in self.queue_],
            "queue_origins": [str(q[2]) for q in self.queue_],
            "attempts": {str(k): [bool(s) for s in v] for k, v in self.attempts_.items()},
            "goal_counter": self.goal_counter_,
            "labelled_goals": np.array(self.labelled_goals_, dtype=np.float64).reshape(-1, d),
            "labels": [bool(v) for v in self.labels_],
            "solved": self.solved_.copy(),
            "train_x": self.train_x_.copy(),
            "train_y": self.train_y_.copy(),
            "bootstrap": self.bootstrap_,
            "n_good": self.n_good_,
            "n_labelled": self.n_labelled_,
            "n_skipped_rounds": self.n_skipped_rounds_,
        }

    def _set_net_state(self, r: StateReader) -> None:
        r.keys(
            [
                "queue_goals",
                "queue_ids",
                "queue_origins",
                "attempts",
                "goal_counter",
                "labelled_goals",
                "labels",
                "solved",
                "train_x",
                "train_y",
                "bootstrap",
                "n_good",
                "n_labelled",
                "n_skipped_rounds",
            ]
        )
        d = self.task_space.dim
        counter = r.int("goal_counter")
        queue_goals = r.array("queue_goals", "f", (None, d), 0.0, 1.0)
        n = queue_goals.shape[0]
        ids = _plain_list(r, "queue_ids", is_int, "integers", n)
        if any(not 0 <= int(g) < counter for g in ids):
            raise ValueError(f"{r.where('queue_ids')}: goal ids must lie in [0, goal_counter={counter})")
        origins = _plain_list(r, "queue_origins", lambda o: o in _GOAL_ORIGINS, f"origins in {_GOAL_ORIGINS}", n)
        a = r.sub("attempts")
        attempts: dict[int, list[bool]] = {}
        for k in a.state:
            if not isinstance(k, str) or not k.isdigit() or str(int(k)) != k or int(k) >= counter:
                raise ValueError(f"{a.where(k)}: expected a goal id below goal_counter={counter} (a decimal string)")
            attempts[int(k)] = [bool(x) for x in _plain_list(a, k, _is_bool, "bools")]
        labelled = r.array("labelled_goals", "f", (None, d), 0.0, 1.0)
        labels = _plain_list(r, "labels", _is_bool, "bools", labelled.shape[0])
        solved = r.array("solved", "f", (None, d), 0.0, 1.0)
        train_x = r.array("train_x", "f", (None, None), 0.0, 1.0)
        if train_x.shape[1] != d and train_x.shape != (0, 0):
            raise ValueError(f"{r.where('train_x')}: expected shape (any, {d}), got {train_x.shape}")
        train_y = r.array("train_y", "f", (train_x.shape[0],), 0.0, 1.0)
        if self.pending_steps_ and not train_x.shape[0]:
            raise ValueError(f"{r.where('train_x')}: empty while {self.pending_steps_} training steps are pending")
        n_labelled = r.int("n_labelled")
        n_good = r.int("n_good", 0, n_labelled)
        self.queue_ = [
            (queue_goals[i].copy(), int(g), str(o)) for i, (g, o) in enumerate(zip(ids, origins, strict=True))
        ]
        self.attempts_ = attempts
        self.goal_counter_ = counter
        self.labelled_goals_ = [g.copy() for g in labelled]
        self.labels_ = [bool(v) for v in labels]
        self.solved_ = solved
        self.train_x_ = train_x
        self.train_y_ = train_y
        self.bootstrap_ = r.bool("bootstrap")
        self.n_good_ = n_good
        self.n_labelled_ = n_labelled
        self.n_skipped_rounds_ = r.int("n_skipped_rounds")


_GOAL_ORIGINS = ("bootstrap", "gan", "random")


def _is_bool(x: Any) -> bool:
    return isinstance(x, (bool, np.bool_))


def _plain_list(r: StateReader, key: str, ok: Any, what: str, length: int | None = None) -> list[Any]:
    """The list under ``key`` whose items pass ``ok`` (``length`` of them), or a refusal naming the key path."""
    v = r.get(key)
    if not isinstance(v, list):
        raise TypeError(f"{r.where(key)}: expected a list of {what}, got {describe(v)}")
    if length is not None and len(v) != length:
        raise ValueError(f"{r.where(key)}: expected {length} items (one per row of its arrays), got {len(v)}")
    for i, x in enumerate(v):
        if not ok(x):
            raise TypeError(f"{r.where(key)}[{i}]: expected one of {what}, got {describe(x)}")
    return list(v)
