"""PAIRED: a level generator trained to maximise the regret of its students.

Dennis et al., "Emergent Complexity and Zero-shot Transfer via Unsupervised Environment
Design", NeurIPS 2020 (reference implementation: facebookresearch/dcd). An adversary proposes
levels; a protagonist and an antagonist (two students of the same architecture) play each one;
the adversary's reward is the regret ``max(0, max antagonist return - mean protagonist return)``,
computed by the student (:class:`autocurriculum.students.paired.PAIREDStudent`) and reported as
``Feedback.score``.

Generators (:mod:`autocurriculum.teachers.adversary`, torch, imported on first use):

* over a :class:`~autocurriculum.teachers.spaces.BoxSpace` (Stump Tracks, ParametricCartPole):
  a one-step Gaussian policy of a noise vector, squashed into the unit cube by the logistic
  function and mapped affinely onto the box;
* over a :class:`~autocurriculum.teachers.levels.MazeLevelSpace`: the paper's sequential adversary
  (goal, agent, then ``max_walls`` wall cells, each step a cell of the grid; a wall on an occupied
  cell is a no-op). The agent's start direction is drawn uniformly with the teacher's numpy
  generator (the adversary does not choose it, as in dcd's maze).

Training: PPO's clipped surrogate (Schulman et al. 2017) over batches of ``batch_size`` generated
levels, one episode per level with the regret as its only (final) reward, undiscounted, the
batch mean as baseline and advantages scaled by the batch standard deviation (no critic; see
:func:`autocurriculum.teachers.adversary.ppo_update`). Feedback may arrive in any order: what a
lesson needs for the update (noise, actions, log-probabilities) is kept per lesson id as plain
numpy data until its regret arrives.

Defaults follow dcd's maze PAIRED configuration (``mg_25b_paired.json``): 32 levels per update
(32 processes), learning rate 1e-4, 5 PPO epochs, 1 minibatch, clip 0.2, adversary entropy
coefficient 0, gradient norm 0.5, noise of size 50. The preset ``bipedal`` holds dcd's
BipedalWalker numbers (lr 3e-4, 8 epochs, 4 minibatches, entropy 0.01).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson, Teacher
from autocurriculum.teachers.levels import MazeLevel, MazeLevelSpace
from autocurriculum.teachers.plr import _check_number
from autocurriculum.teachers.spaces import BoxSpace, TaskSpace
from autocurriculum.teachers.validation import StateReader, describe, is_int

if TYPE_CHECKING:
    import torch

__all__ = ["PAIRED", "PAIRED_PRESETS"]

#: dcd's PAIRED adversary settings: mazes (the constructor's defaults) and BipedalWalker.
PAIRED_PRESETS: dict[str, dict[str, Any]] = {
    "maze": {
        "batch_size": 32,
        "learning_rate": 1e-4,
        "n_epochs": 5,
        "n_minibatches": 1,
        "entropy_coef": 0.0,
    },
    "bipedal": {
        "batch_size": 16,
        "learning_rate": 3e-4,
        "n_epochs": 8,
        "n_minibatches": 4,
        "entropy_coef": 0.01,
    },
}


class PAIRED(Teacher):
    """The PAIRED adversary (Dennis et al., NeurIPS 2020) as a teacher.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace` (one-step generator) or a
        :class:`~autocurriculum.teachers.levels.MazeLevelSpace` (sequential wall-placing
        generator).
    batch_size:
        Levels per adversary update (dcd: 32 on mazes). The update runs when this many
        generated levels have their regret.
    learning_rate:
        Adam's step size (dcd: 1e-4 on mazes, 3e-4 on BipedalWalker).
    n_epochs, n_minibatches:
        PPO epochs over each batch and minibatches per epoch (dcd mazes: 5 and 1).
    clip_range:
        PPO's clip (0.2).
    entropy_coef:
        Entropy bonus of the adversary (dcd: 0 on mazes, 0.01 on BipedalWalker).
    max_grad_norm:
        Gradient-norm clip (0.5).
    noise_dim:
        Size of the random noise vector the generator sees (dcd: 50).
    hidden:
        Hidden layer sizes of the generator's MLP.
    channels:
        Convolution filters of the maze generator (dcd: 16); unused over a box.
    seed:
        Seeds the numpy generator (start directions) and the torch generator (weights, noise,
        actions, minibatches).
    """

    name: ClassVar[str] = "paired"
    requires: ClassVar[frozenset[str]] = frozenset({"score"})
    space_types: ClassVar[tuple[type[TaskSpace], ...]] = (BoxSpace, MazeLevelSpace)

    def __init__(
        self,
        task_space: TaskSpace,
        *,
        batch_size: int = 32,
        learning_rate: float = 1e-4,
        n_epochs: int = 5,
        n_minibatches: int = 1,
        clip_range: float = 0.2,
        entropy_coef: float = 0.0,
        max_grad_norm: float = 0.5,
        noise_dim: int = 50,
        hidden: Sequence[int] = (64,),
        channels: int = 16,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.n_epochs = n_epochs
        self.n_minibatches = n_minibatches
        self.clip_range = clip_range
        self.entropy_coef = entropy_coef
        self.max_grad_norm = max_grad_norm
        self.noise_dim = noise_dim
        self.hidden = hidden
        self.channels = channels

    @classmethod
    def from_preset(cls, preset: str, task_space: TaskSpace, **overrides: Any) -> PAIRED:
        """Build with a preset of :data:`PAIRED_PRESETS` (``maze``, ``bipedal``) and overrides."""
        if preset not in PAIRED_PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(PAIRED_PRESETS)}")
        return cls(task_space, **{**PAIRED_PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = type(self).__name__
        for name in ("batch_size", "n_epochs", "n_minibatches", "noise_dim", "channels"):
            v = getattr(self, name)
            if not is_int(v) or v < 1:
                raise ValueError(f"{owner}.{name}: expected a positive integer, got {v!r}")
        if self.n_minibatches > self.batch_size:
            raise ValueError(
                f"{owner}.n_minibatches: got {self.n_minibatches!r} for batch_size {self.batch_size!r}; "
                "allowed: at most batch_size"
            )
        _check_number(self.learning_rate, f"{owner}.learning_rate", 0.0, 1.0, low_open=True)
        _check_number(self.clip_range, f"{owner}.clip_range", 0.0, 1.0, low_open=True)
        _check_number(self.entropy_coef, f"{owner}.entropy_coef", 0.0, np.inf)
        _check_number(self.max_grad_norm, f"{owner}.max_grad_norm", 0.0, np.inf, low_open=True)
        hidden = self.hidden
        if isinstance(hidden, (str, bytes)) or not isinstance(hidden, Sequence) or not all(
            is_int(h) and h > 0 for h in hidden
        ):
            raise ValueError(f"{owner}.hidden: expected a sequence of positive integers, got {hidden!r}")

    def _init_state(self) -> None:
        from autocurriculum.teachers import adversary

        seed = int(self.rng_.integers(2**63 - 1))
        self.torch_rng_ = adversary.make_generator(seed)
        self.policy_ = self._build_policy(self.torch_rng_)
        self.optimizer_ = adversary.build_optimizer(self.policy_, float(self.learning_rate))
        self.queue_: list[dict[str, Any]] = []
        self.generated_: dict[int, dict[str, Any]] = {}
        self.batch_: list[dict[str, Any]] = []
        self.n_policy_updates_ = 0
        self.last_stats_: dict[str, float] = {}
        self.last_regret_: float = 0.0

    # ------------------------------------------------------------------ generator-specific hooks
    @property
    def generator_space(self) -> TaskSpace:
        """The space the adversary acts in (the task space; CLUTR acts in its VAE's latent box)."""
        return self.task_space

    def _build_policy(self, generator: torch.Generator) -> torch.nn.Module:
        from autocurriculum.teachers import adversary

        space = self.generator_space
        if isinstance(space, BoxSpace):
            return adversary.BoxAdversary(space.dim, int(self.noise_dim), [int(h) for h in self.hidden], generator)
        assert isinstance(space, MazeLevelSpace)
        return adversary.MazeAdversary(
            space.size,
            space.max_walls,
            int(self.noise_dim),
            int(self.channels),
            [int(h) for h in self.hidden],
            generator,
        )

    def _generate(self, n: int) -> list[dict[str, Any]]:
        """``n`` levels from the current policy, each a record of plain numpy data whose ``"task"``
        is the level (the box vector, or the level space's integer encoding)."""
        records = self.policy_.act(self.torch_rng_, n)
        space = self.generator_space
        for record in records:
            if isinstance(space, BoxSpace):
                record["task"] = space.from_unit(record.pop("unit"))
            else:
                record["task"] = self._task_key(self._maze_level(record))
        return records

    def _maze_level(self, record: dict[str, Any]) -> MazeLevel:
        from autocurriculum.teachers.adversary import maze_parts

        space = self.task_space
        assert isinstance(space, MazeLevelSpace)
        goal, agent, walls = maze_parts(record["actions"], space.size)
        agent_dir = int(self.rng_.integers(4))
        record["agent_dir"] = agent_dir
        return MazeLevel(size=space.size, agent=agent, agent_dir=agent_dir, goal=goal, walls=walls)

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[Any, str, dict[str, Any]]:
        # levels are generated batch_size at a time (one batched pass of the generator), from the
        # policy of the moment: the queue empties as the batch that trains the policy fills
        if not self.queue_:
            self.queue_ = self._generate(int(self.batch_size))
        record = self.queue_.pop(0)
        self.generated_[self.n_sampled_] = record
        return self.task_space.check(record["task"], "generated level"), "generated", {}

    def _task_key(self, task: Any) -> np.ndarray:
        """A task as a numpy array (the level space's integer encoding, or the box vector)."""
        space = self.task_space
        if isinstance(space, BoxSpace):
            return np.asarray(task, dtype=np.float64).copy()
        assert isinstance(space, MazeLevelSpace)
        return np.asarray(space.encode(space.check(task)), dtype=np.int64)

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        owner = type(self).__name__
        if lesson.id is None:
            raise ValueError(
                f"{owner}.update: lesson.id is None; the adversary learns only from levels it generated "
                "(pass the Lesson returned by sample())"
            )
        record = self.generated_.get(int(lesson.id))
        if record is None:
            raise ValueError(
                f"{owner}.update: lesson.id {lesson.id} has no pending level (already reported, or generated "
                "before a state without it was loaded); report each generated level once"
            )
        if not np.array_equal(record["task"], self._task_key(lesson.task)):
            raise ValueError(
                f"{owner}.update: lesson.task {lesson.task!r} differs from the level generated as lesson {lesson.id}"
            )
        del self.generated_[int(lesson.id)]
        assert feedback.score is not None
        self.batch_.append({**record, "regret": float(feedback.score)})
        self.last_regret_ = float(feedback.score)
        if len(self.batch_) >= int(self.batch_size):
            self._train()

    def _train(self) -> None:
        from autocurriculum.teachers.adversary import ppo_update

        batch, self.batch_ = self.batch_, []
        regrets = np.array([r["regret"] for r in batch], dtype=np.float64)
        tensors = self.policy_.collate(batch)
        self.last_stats_ = ppo_update(
            self.policy_,
            self.optimizer_,
            tensors,
            regrets,
            n_epochs=int(self.n_epochs),
            n_minibatches=int(self.n_minibatches),
            clip_range=float(self.clip_range),
            entropy_coef=float(self.entropy_coef),
            max_grad_norm=float(self.max_grad_norm),
            generator=self.torch_rng_,
        )
        self.last_stats_["batch_regret"] = float(regrets.mean())
        self.n_policy_updates_ += 1

    def _metrics(self) -> dict[str, float]:
        out = {
            "policy_updates": float(self.n_policy_updates_),
            "pending": float(len(self.generated_)),
            "queued": float(len(self.queue_)),
            "last_regret": self.last_regret_,
        }
        out.update({k: float(v) for k, v in self.last_stats_.items()})
        return out

    # ------------------------------------------------------------------ checkpoints
    def __getstate__(self) -> dict[str, Any]:
        """Pickling: a ``torch.Generator`` does not pickle, so its state goes as a numpy array."""
        state = dict(self.__dict__)
        rng = state.pop("torch_rng_", None)
        if rng is not None:
            from autocurriculum.teachers.adversary import torch_rng_state

            state["torch_rng_state_"] = torch_rng_state(rng)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state = dict(state)
        rng_state = state.pop("torch_rng_state_", None)
        self.__dict__.update(state)
        if rng_state is not None:
            from autocurriculum.teachers.adversary import make_generator, set_torch_rng_state

            self.torch_rng_ = make_generator(0)
            set_torch_rng_state(self.torch_rng_, rng_state)

    def _get_state(self) -> dict[str, Any]:
        from autocurriculum.teachers import adversary

        return {
            "policy": adversary.module_state(self.policy_),
            "optimizer": adversary.optimizer_state(self.optimizer_),
            "torch_rng": adversary.torch_rng_state(self.torch_rng_),
            "queue": copy.deepcopy(self.queue_),
            "pending": {int(k): copy.deepcopy(v) for k, v in self.generated_.items()},
            "batch": copy.deepcopy(self.batch_),
            "n_policy_updates": self.n_policy_updates_,
            "last_stats": dict(self.last_stats_),
            "last_regret": self.last_regret_,
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        from autocurriculum.teachers import adversary

        r = self._state_reader(state)
        r.keys(
            ["policy", "optimizer", "torch_rng", "queue", "pending", "batch"]
            + ["n_policy_updates", "last_stats", "last_regret"]
        )
        # fresh network, optimiser and generator receive the state (all checked against this teacher's)
        policy = self._build_policy(adversary.make_generator(0))
        optimizer = adversary.build_optimizer(policy, float(self.learning_rate))
        adversary.read_module_state(r.sub("policy"), policy)
        steps = adversary.read_optimizer_state(r.sub("optimizer"), optimizer)
        torch_rng = adversary.make_generator(0)
        adversary.read_torch_rng_state(r, "torch_rng", torch_rng)
        bs = int(self.batch_size)
        queue = self._read_records(r, "queue", regret=False)
        batch = self._read_records(r, "batch", regret=True)
        generated = self._read_generated(r.sub("pending"))
        n_policy_updates = r.int("n_policy_updates")
        # counters of one run: every reported lesson is a generated one, trained on in batches of bs
        if n_policy_updates * bs + len(batch) != self.n_updates_:
            raise ValueError(
                f"{r.where('n_policy_updates')}: {n_policy_updates} updates of {bs} levels plus {len(batch)} in "
                f"{r.where('batch')} make {n_policy_updates * bs + len(batch)} reports, but the state records "
                f"n_updates = {self.n_updates_} (the state is inconsistent, or saved with another batch_size)"
            )
        if (self.n_sampled_ + len(queue)) % bs:
            raise ValueError(
                f"{r.where('queue')}: {len(queue)} queued levels after {self.n_sampled_} sampled ones do not complete "
                f"a generation of {bs} levels (the state is inconsistent, or saved with another batch_size)"
            )
        expected_steps = n_policy_updates * int(self.n_epochs) * int(self.n_minibatches)
        if steps != expected_steps:
            raise ValueError(
                f"{r.where('optimizer')}: the optimiser took {steps} steps, but {n_policy_updates} updates of "
                f"{self.n_epochs} epochs x {self.n_minibatches} minibatches take {expected_steps} (the state is "
                "inconsistent, or saved with other parameters)"
            )
        s = r.sub("last_stats")
        names = ["policy_loss", "entropy", "approx_kl", "batch_regret"]
        s.keys(names if n_policy_updates else [])  # set by each update, absent before the first
        last_stats = {name: s.float(name) for name in names if n_policy_updates}
        self.policy_, self.optimizer_, self.torch_rng_ = policy, optimizer, torch_rng
        self.queue_ = queue
        self.generated_ = generated
        self.batch_ = batch
        self.n_policy_updates_ = n_policy_updates
        self.last_stats_ = last_stats
        self.last_regret_ = r.float("last_regret")

    def _read_records(self, r: StateReader, key: str, *, regret: bool) -> list[dict[str, Any]]:
        """The list of level records under ``key`` (fewer than ``batch_size``: a full one is used at once)."""
        records = r.get(key)
        if not isinstance(records, (list, tuple)):
            raise TypeError(f"{r.where(key)}: expected a list of level records, got {describe(records)}")
        if len(records) >= int(self.batch_size):
            raise ValueError(
                f"{r.where(key)}: holds {len(records)} levels; at most batch_size - 1 = {int(self.batch_size) - 1} "
                "wait there (the state was saved with another batch_size)"
            )
        return [
            self._read_record(StateReader(record, f"{r.where(key)}[{i}]"), regret=regret)
            for i, record in enumerate(records)
        ]

    def _read_generated(self, r: StateReader) -> dict[int, dict[str, Any]]:
        """The generated levels not yet reported: exactly the lessons the state has pending."""
        for k in r.state:
            if not is_int(k) or int(k) not in self.pending_:
                raise ValueError(
                    f"{r.where(k)}: unknown key; only the pending lessons (state['pending']['ids']: "
                    f"{sorted(self.pending_)}) have a generated level"
                )
        missing = sorted(set(self.pending_) - {int(k) for k in r.state})
        if missing:
            raise ValueError(f"{r.path}: missing keys {missing}; every pending lesson has its generated level")
        return {int(k): self._read_record(r.sub(k), regret=False) for k in sorted(r.state, key=int)}

    def _record_keys(self) -> list[str]:
        """The keys of a generated level's record (see :meth:`_generate`)."""
        if isinstance(self.generator_space, BoxSpace):
            return ["noise", "action", "log_prob", "task"]
        return ["noise", "actions", "log_prob", "agent_dir", "task"]

    def _read_record(self, r: StateReader, *, regret: bool) -> dict[str, Any]:
        """One generated level's record, checked against the generator's shapes (``regret`` once reported)."""
        from autocurriculum.teachers.adversary import read_like

        r.keys(self._record_keys() + (["regret"] if regret else []))
        space = self.generator_space
        f32 = np.float32
        record: dict[str, Any] = {"noise": read_like(r, "noise", np.zeros(int(self.noise_dim), f32))}
        if isinstance(space, BoxSpace):
            record["action"] = read_like(r, "action", np.zeros(space.dim, f32))
            record["log_prob"] = read_like(r, "log_prob", np.zeros(1, f32))
        else:
            assert isinstance(space, MazeLevelSpace)
            n_steps = space.max_walls + 2
            actions = read_like(r, "actions", np.zeros(n_steps, np.int64), 0, space.size * space.size - 1)
            if actions[1] == actions[0]:
                raise ValueError(f"{r.where('actions')}: the agent is placed on the goal's cell (the generator masks it)")
            record["actions"] = actions
            record["log_prob"] = read_like(r, "log_prob", np.zeros(n_steps, f32), high=0.0)
            record["agent_dir"] = r.int("agent_dir", 0, 3)
        record.update(self._read_task(r, record))
        if regret:
            record["regret"] = r.float("regret")
        return record

    def _read_task(self, r: StateReader, record: dict[str, Any]) -> dict[str, Any]:
        """A record's level: in the box, or the maze its actions and start direction build."""
        space = self.task_space
        if isinstance(space, BoxSpace):
            return {"task": r.array("task", "f", (space.dim,), space.low, space.high)}
        assert isinstance(space, MazeLevelSpace)
        from autocurriculum.teachers.adversary import maze_parts

        task = r.array("task", "i", (space.encoding_length,), 0, space.pad)
        goal, agent, walls = maze_parts(record["actions"], space.size)
        level = MazeLevel(size=space.size, agent=agent, agent_dir=record["agent_dir"], goal=goal, walls=walls)
        expected = np.asarray(space.encode(level), dtype=np.int64)
        if not np.array_equal(task, expected):
            raise ValueError(
                f"{r.where('task')}: the level {task.tolist()} is not the one its actions and agent_dir build "
                f"({expected.tolist()})"
            )
        return {"task": task}
