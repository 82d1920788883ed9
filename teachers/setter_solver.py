"""Setter-Solver: a setter network that proposes goals of a requested feasibility, and a judge.

Racanière, Lampinen, Santoro, Reichert, Firoiu & Lillicrap, "Automated curricula through
setter-solver interactions", ICLR 2020; benchmark settings from Romac et al., "TeachMyAgent",
ICML 2021.

* The **judge** predicts the probability that the student solves a goal; it is trained with the
  cross-entropy on observed outcomes.
* The **setter** is an invertible network conditioned on a desired feasibility ``f``: a latent
  ``z ~ N(0, I)`` goes through affine coupling layers (Real NVP, Dinh et al. 2017) conditioned on
  ``[z_masked, f]`` and a sigmoid, giving a goal in the unit cube with an exact log-likelihood.
  Each lesson draws ``f ~ U(0, 1)`` and a goal for it. The setter minimises three losses:

  - *validity*: ``-log p(g + u | f)`` for achieved goals ``g`` with the feasibility they were set
    at, ``u ~ U(0, loss_noise)`` per coordinate (achieved goals are likely under the setter);
  - *feasibility*: ``(judge_logit(setter(z, f)) - logit(f))^2`` (a goal set at ``f`` is judged
    feasible with probability ``f``);
  - *coverage*: ``E[log p(setter(z, f) | f)]``, the negative entropy of the setter's goals.

Every ``update_frequency`` episodes a training round of ``train_steps`` steps (one judge and one
setter step each) runs on the last ``buffer_size`` outcomes, in budgeted slices of at most
``steps_per_update`` steps per ``update()`` (:mod:`autocurriculum.teachers.networks`).
TeachMyAgent took one step of each per round on the outcomes since the previous round; the
window and the step count are ours, for a judge that learns within a short run.

Success is ``episode_return > success_threshold`` or the feedback's ``success``.

Networks are small by default: a judge of ``[32, 32]`` and a setter of 4 couplings with
``[32, 32]`` conditioners. TeachMyAgent's: a ``[64, 64, 64]`` judge, a setter of 3 blocks of 3
couplings with highway conditioners of width 128 (``setter_hidden_size``), Adam at 3e-4,
``setter_loss_noise_ub`` 0.05, an update every 100 episodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from autocurriculum.teachers.base import Feedback, Lesson
from autocurriculum.teachers.goal_gan import check_success_threshold, success_of
from autocurriculum.teachers.networks import NetworkTeacher, check_hidden_sizes, import_torch, single_thread
from autocurriculum.teachers.spaces import BoxSpace
from autocurriculum.teachers.validation import StateReader, is_int, is_number

__all__ = ["SETTER_SOLVER_PRESETS", "SetterSolver"]

SETTER_SOLVER_PRESETS: dict[str, dict[str, Any]] = {
    "teachmyagent": {"update_frequency": 100, "loss_noise": 0.05, "learning_rate": 3e-4},
    "unlock_grid": {"update_frequency": 100, "loss_noise": 0.05, "learning_rate": 3e-4, "success_threshold": 0.75},
}

_MIN_SCALE = 1e-2
_EPS = 1e-4


class SetterSolver(NetworkTeacher):
    """Setter-Solver teacher (Racanière et al., ICLR 2020), as benchmarked in TeachMyAgent.

    Parameters
    ----------
    task_space:
        A :class:`~autocurriculum.teachers.spaces.BoxSpace`.
    success_threshold:
        Raw return above which an episode is a success; ``None``: read ``feedback.success``.
    update_frequency:
        Episodes between training rounds (TeachMyAgent: 100).
    train_steps:
        Judge and setter steps per round (default 50).
    buffer_size:
        Most recent outcomes a round trains on (default 1000).
    batch_size:
        Outcomes and fresh setter samples per step (default 128).
    loss_noise:
        Upper bound of the uniform noise on achieved goals in the validity loss (TeachMyAgent: 0.05).
    judge_hidden, setter_hidden:
        Hidden widths of the judge and of each coupling's conditioner (default ``[32, 32]``).
    n_couplings:
        Affine coupling layers of the setter, alternating which coordinates they transform (4).
    learning_rate:
        Adam learning rate of both networks (TeachMyAgent: 3e-4).
    steps_per_update:
        Most training steps run inside one ``update()`` call (5).
    seed:
        Seed of the teacher's generators.

    Lessons have origin ``"setter"`` and ``info["feasibility"]``, the feasibility they were set at.
    """

    name: ClassVar[str] = "setter_solver"
    requires: ClassVar[frozenset[str]] = frozenset({"episode_return"})
    space_types: ClassVar[tuple[type, ...]] = (BoxSpace,)
    PRESETS: ClassVar[dict[str, dict[str, Any]]] = SETTER_SOLVER_PRESETS
    task_space: BoxSpace

    def __init__(
        self,
        task_space: BoxSpace,
        *,
        success_threshold: float | None = None,
        update_frequency: int = 100,
        train_steps: int = 50,
        buffer_size: int = 1000,
        batch_size: int = 128,
        loss_noise: float = 0.05,
        judge_hidden: Sequence[int] = (32, 32),
        setter_hidden: Sequence[int] = (32, 32),
        n_couplings: int = 4,
        learning_rate: float = 3e-4,
        steps_per_update: int = 5,
        seed: int | None = None,
    ) -> None:
        super().__init__(task_space, seed=seed)
        self.success_threshold = success_threshold
        self.update_frequency = update_frequency
        self.train_steps = train_steps
        self.buffer_size = buffer_size
        self.batch_size = batch_size
        self.loss_noise = loss_noise
        self.judge_hidden = judge_hidden
        self.setter_hidden = setter_hidden
        self.n_couplings = n_couplings
        self.learning_rate = learning_rate
        self.steps_per_update = steps_per_update

    @classmethod
    def from_preset(cls, preset: str, task_space: BoxSpace, **overrides: Any) -> SetterSolver:
        """Build with a named preset (``"teachmyagent"`` or ``"unlock_grid"``) and overrides."""
        if preset not in cls.PRESETS:
            raise ValueError(f"{cls.__name__}: unknown preset {preset!r}; allowed: {sorted(cls.PRESETS)}")
        return cls(task_space, **{**cls.PRESETS[preset], **overrides})

    # ------------------------------------------------------------------ set-up
    def _validate_params(self) -> None:
        owner = "SetterSolver"
        check_success_threshold(self.success_threshold, owner)
        for name in ("update_frequency", "train_steps", "buffer_size", "batch_size", "n_couplings"):
            v = getattr(self, name)
            if not is_int(v) or v < 1:
                raise ValueError(f"{owner}.{name}: expected a positive integer, got {v!r}")
        if not is_number(self.loss_noise) or not 0.0 <= self.loss_noise < 1.0:
            raise ValueError(f"{owner}.loss_noise: expected a number in [0, 1), got {self.loss_noise!r}")
        if not is_number(self.learning_rate) or not (np.isfinite(self.learning_rate) and self.learning_rate > 0):
            raise ValueError(f"{owner}.learning_rate: expected a finite number > 0, got {self.learning_rate!r}")
        self.judge_hidden_ = check_hidden_sizes(self.judge_hidden, owner, "judge_hidden")
        self.setter_hidden_ = check_hidden_sizes(self.setter_hidden, owner, "setter_hidden")
        self._validate_budget()

    def _build_networks(self) -> None:
        torch = import_torch()
        d = self.task_space.dim
        self.judge_ = self._mlp(d, self.judge_hidden_, 1)
        # Coupling k transforms the coordinates where mask_k is 0, conditioned on the others and f.
        self.couplings_ = torch.nn.ModuleList(
            [self._mlp(d + 1, self.setter_hidden_, 2 * d, activation="leaky_relu") for _ in range(self.n_couplings)]
        )
        with torch.no_grad():  # start every coupling at the identity (zero last layer), as Glow does
            for net in self.couplings_:
                net[-1].weight.zero_()
                net[-1].bias.zero_()
        masks = np.array([[(i + k) % 2 for i in range(d)] for k in range(int(self.n_couplings))], dtype=np.float32)
        self.masks_ = torch.as_tensor(masks)
        lr = float(self.learning_rate)
        self.judge_opt_ = torch.optim.Adam(self.judge_.parameters(), lr=lr)
        self.setter_opt_ = torch.optim.Adam(self.couplings_.parameters(), lr=lr)

    def _networks(self) -> dict[str, Any]:
        return {"judge": self.judge_, "setter": self.couplings_}

    def _optimisers(self) -> dict[str, Any]:
        return {"judge": self.judge_opt_, "setter": self.setter_opt_}

    def _init_state(self) -> None:
        super()._init_state()
        d = self.task_space.dim
        self.goals_ = np.empty((0, d))  # unit coordinates
        self.feasibilities_ = np.empty(0)
        self.successes_ = np.empty(0)
        self.n_episodes_ = 0
        self.train_goals_ = np.empty((0, d))
        self.train_f_ = np.empty(0)
        self.train_s_ = np.empty(0)
        self.last_losses_: dict[str, float] = {}

    # ------------------------------------------------------------------ the setter
    def _coupling(self, k: int, y: Any, f: Any) -> tuple[Any, Any, Any]:
        """``(scale, shift, mask)`` of coupling ``k`` at ``y`` (only masked coordinates are read)."""
        torch = import_torch()
        m = self.masks_[k]
        st = self.couplings_[k](torch.cat([y * m, f], dim=1))
        s, t = st.chunk(2, dim=1)
        return _MIN_SCALE + torch.nn.functional.softplus(s + 0.5413), t, m  # softplus(0.5413) ~ 1: identity at start

    def _forward(self, z: Any, f: Any) -> tuple[Any, Any]:
        """Goals (unit cube) and their log-likelihood under the setter, from latents ``z``."""
        torch = import_torch()
        log_p = -0.5 * (z * z).sum(dim=1) - 0.5 * z.shape[1] * float(np.log(2 * np.pi))
        y = z
        for k in range(len(self.couplings_)):
            scale, shift, m = self._coupling(k, y, f)
            y = m * y + (1 - m) * (y * scale + shift)
            log_p = log_p - ((1 - m) * torch.log(scale)).sum(dim=1)
        log_p = log_p - (torch.nn.functional.logsigmoid(y) + torch.nn.functional.logsigmoid(-y)).sum(dim=1)
        return torch.sigmoid(y), log_p

    def _log_prob(self, x: Any, f: Any) -> Any:
        """Exact log-likelihood of goals ``x`` (unit cube, open) set at feasibility ``f``."""
        torch = import_torch()
        y = torch.logit(x)
        log_p = -(torch.nn.functional.logsigmoid(y) + torch.nn.functional.logsigmoid(-y)).sum(dim=1)
        for k in reversed(range(len(self.couplings_))):
            scale, shift, m = self._coupling(k, y, f)  # reads y * m, unchanged by coupling k
            y = m * y + (1 - m) * (y - shift) / scale
            log_p = log_p - ((1 - m) * torch.log(scale)).sum(dim=1)
        return log_p - 0.5 * (y * y).sum(dim=1) - 0.5 * y.shape[1] * float(np.log(2 * np.pi))

    def _set_goals(self, feasibility: np.ndarray) -> np.ndarray:
        with single_thread() as torch, torch.no_grad():
            f = torch.as_tensor(feasibility, dtype=torch.float32)[:, None]
            z = torch.randn(f.shape[0], self.task_space.dim, generator=self.torch_rng_)
            x, _ = self._forward(z, f)
        return x.double().numpy()

    def set_goals(self, feasibility: float, n: int) -> np.ndarray:
        """``n`` goals (task units) that the setter proposes for ``feasibility``, for plots and tests."""
        self._ensure_setup()
        if not is_number(feasibility) or not 0.0 < feasibility < 1.0:
            raise ValueError(f"SetterSolver.set_goals: feasibility must lie in (0, 1), got {feasibility!r}")
        if not is_int(n) or n < 1:
            raise ValueError(f"SetterSolver.set_goals: n must be a positive integer, got {n!r}")
        return self.task_space.from_unit(self._set_goals(np.full(int(n), float(feasibility))))

    def judge(self, tasks: Any) -> np.ndarray:
        """The judge's predicted success probability of each task (task units, shape ``(n, dim)``)."""
        self._ensure_setup()
        unit = self.task_space.to_unit(np.asarray(tasks, dtype=np.float64).reshape(-1, self.task_space.dim))
        with single_thread() as torch, torch.no_grad():
            return torch.sigmoid(self.judge_(torch.as_tensor(unit, dtype=torch.float32)))[:, 0].double().numpy()

    # ------------------------------------------------------------------ training
    def _train_step(self) -> None:
        torch = import_torch()
        n = self.train_goals_.shape[0]
        idx = torch.randint(n, (min(n, int(self.batch_size)),), generator=self.torch_rng_)
        goals = torch.as_tensor(self.train_goals_, dtype=torch.float32)[idx]
        feas = torch.as_tensor(self.train_f_, dtype=torch.float32)[idx][:, None]
        succ = torch.as_tensor(self.train_s_, dtype=torch.float32)[idx][:, None]
        # Judge: cross-entropy on observed outcomes.
        judge_loss = torch.nn.functional.binary_cross_entropy_with_logits(self.judge_(goals), succ)
        self.judge_opt_.zero_grad()
        judge_loss.backward()
        self.judge_opt_.step()
        # Setter: feasibility + coverage on fresh samples, validity on achieved goals.
        b = int(self.batch_size)
        f = torch.rand(b, 1, generator=self.torch_rng_) * (1 - 2 * _EPS) + _EPS
        z = torch.randn(b, self.task_space.dim, generator=self.torch_rng_)
        x, log_p = self._forward(z, f)
        feasibility_loss = ((self.judge_(x) - torch.logit(f)) ** 2).mean()
        coverage_loss = log_p.mean()
        loss = feasibility_loss + coverage_loss
        achieved = succ[:, 0] > 0.5
        validity_loss = torch.zeros(())
        if bool(achieved.any()):
            g = goals[achieved]
            noise = torch.rand(g.shape, generator=self.torch_rng_) * float(self.loss_noise)
            validity_loss = -self._log_prob(torch.clamp(g + noise, _EPS, 1 - _EPS), feas[achieved]).mean()
            loss = loss + validity_loss
        self.setter_opt_.zero_grad()
        loss.backward()
        self.setter_opt_.step()
        self.last_losses_ = {
            "judge_loss": float(judge_loss.detach()),
            "feasibility_loss": float(feasibility_loss.detach()),
            "validity_loss": float(validity_loss.detach()),
            "coverage_loss": float(coverage_loss.detach()),
        }

    # ------------------------------------------------------------------ protocol
    def _sample(self) -> tuple[np.ndarray, str, dict[str, Any]]:
        f = float(self.rng_.uniform(_EPS, 1.0 - _EPS))
        unit = self._set_goals(np.array([f]))[0]
        space = self.task_space
        return space.clip(space.from_unit(unit)), "setter", {"feasibility": f}

    def _update(self, lesson: Lesson, feedback: Feedback) -> None:
        success = success_of(feedback, self.success_threshold, "SetterSolver")
        f = lesson.info.get("feasibility", 0.5)
        if not is_number(f) or not 0.0 < f < 1.0:
            raise ValueError(f"lesson.info['feasibility']: expected a number in (0, 1), got {f!r}")
        unit = np.clip(self.task_space.to_unit(lesson.task), _EPS, 1.0 - _EPS)
        keep = int(self.buffer_size) - 1
        self.goals_ = np.vstack([self.goals_[-keep:] if keep else self.goals_[:0], unit])
        self.feasibilities_ = np.append(self.feasibilities_[-keep:] if keep else self.feasibilities_[:0], float(f))
        self.successes_ = np.append(self.successes_[-keep:] if keep else self.successes_[:0], float(success))
        self.n_episodes_ += 1
        if self.n_episodes_ % self.update_frequency == 0:
            self.train_goals_ = self.goals_.copy()
            self.train_f_ = self.feasibilities_.copy()
            self.train_s_ = self.successes_.copy()
            self._queue_training(int(self.train_steps))
        self._advance_training()

    def _metrics(self) -> dict[str, float]:
        out = self._net_metrics()
        out["buffer_success_rate"] = float(self.successes_.mean()) if self.successes_.size else 0.0
        out.update(self.last_losses_)
        return out

    # ------------------------------------------------------------------ checkpoints
    def _get_net_state(self) -> dict[str, Any]:
        return {
            "goals": self.goals_.copy(),
            "feasibilities": self.feasibilities_.copy(),
            "successes": self.successes_.copy(),
            "n_episodes": self.n_episodes_,
            "train_goals": self.train_goals_.copy(),
            "train_f": self.train_f_.copy(),
            "train_s": self.train_s_.copy(),
            "last_losses": dict(self.last_losses_),
        }

    def _set_net_state(self, r: StateReader) -> None:
        r.keys(
            ["goals", "feasibilities", "successes", "n_episodes", "train_goals", "train_f", "train_s", "last_losses"]
        )
        d = self.task_space.dim
        # unit coordinates, feasibilities in (0, 1) and successes 0/1, one row per kept episode
        goals = r.array("goals", "f", (None, d), 0.0, 1.0)
        n = goals.shape[0]
        feas = r.array("feasibilities", "f", (n,), 0.0, 1.0)
        succ = r.array("successes", "f", (n,), 0.0, 1.0)
        train_goals = r.array("train_goals", "f", (None, d), 0.0, 1.0)
        n_train = train_goals.shape[0]
        train_f = r.array("train_f", "f", (n_train,), 0.0, 1.0)
        train_s = r.array("train_s", "f", (n_train,), 0.0, 1.0)
        if self.pending_steps_ and not n_train:
            raise ValueError(f"{r.where('train_goals')}: empty while {self.pending_steps_} training steps are pending")
        losses = r.sub("last_losses")
        if losses.state:
            losses.keys(_LOSS_NAMES)
        last_losses = {k: losses.float(k) for k in _LOSS_NAMES if losses.state}
        self.goals_, self.feasibilities_, self.successes_ = goals, feas, succ
        self.n_episodes_ = r.int("n_episodes")
        self.train_goals_, self.train_f_, self.train_s_ = train_goals, train_f, train_s
        self.last_losses_ = last_losses  # type: ignore[assignment]


_LOSS_NAMES = ("judge_loss", "feasibility_loss", "validity_loss", "coverage_loss")
