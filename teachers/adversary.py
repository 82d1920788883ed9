"""Torch level generators for PAIRED and CLUTR, their PPO-style update, and plain-data state.

This module imports torch; :mod:`autocurriculum.teachers.paired` and
:mod:`autocurriculum.teachers.clutr` import it on first use, so that ``import autocurriculum``
stays free of torch.

Two generators (Dennis et al., "Emergent Complexity and Zero-shot Transfer via Unsupervised
Environment Design", NeurIPS 2020):

* :class:`BoxAdversary`, a one-step generator: a Gaussian policy whose mean is an MLP of a
  random noise vector and whose log standard deviation is a learnt per-dimension parameter; a
  sample ``a`` is squashed into the unit cube with the logistic function ``sigmoid(a)`` (never
  clipped), and the caller maps the unit cube onto its box. The log-probability is that of the
  unsquashed Gaussian sample: the squash is part of the environment, so the policy gradient
  needs no Jacobian term.
* :class:`MazeAdversary`, the paper's sequential wall-placing adversary: at step ``t`` it sees
  the partly built grid (three ``N x N`` planes: walls, goal, agent), a one-hot of ``t`` and a
  random noise vector drawn once per level, and picks one of the ``N * N`` cells. Step 0 places
  the goal, step 1 the agent (the goal's cell is masked out), steps ``2 ..`` a wall each; a wall
  on an occupied cell is a no-op. The grid is fully observed, so the policy is feed-forward (a
  3 x 3 convolution, then an MLP) where dcd uses an LSTM.

Both are trained by :func:`ppo_update`: PPO's clipped surrogate (Schulman et al. 2017) on a
batch of generated levels, each level one episode whose only reward is its regret at the end
(undiscounted, so every step's return is the level's regret), with the batch mean as baseline
(no critic) and advantages divided by the batch standard deviation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from autocurriculum.teachers.validation import StateReader, describe, is_int, state_difference

__all__ = [
    "BoxAdversary",
    "MazeAdversary",
    "module_state",
    "optimizer_state",
    "ppo_update",
    "load_module_state",
    "load_optimizer_state",
    "read_like",
    "read_module_state",
    "read_optimizer_state",
    "read_torch_rng_state",
    "torch_rng_state",
]


def _mlp(sizes: Sequence[int]) -> nn.Sequential:
    layers: list[nn.Module] = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(nn.Tanh())
    return nn.Sequential(*layers)


def _seed_init(module: nn.Module, generator: torch.Generator) -> None:
    """Initialise every parameter from ``generator`` (PyTorch's default schemes use global state)."""
    with torch.no_grad():
        for name, p in module.named_parameters():
            if name.endswith("bias") or name.endswith("log_std"):
                p.zero_()
            else:
                fan_in = int(np.prod(p.shape[1:])) if p.dim() > 1 else p.shape[0]
                bound = 1.0 / np.sqrt(max(fan_in, 1))
                p.copy_(torch.empty(p.shape).uniform_(-bound, bound, generator=generator))


class BoxAdversary(nn.Module):
    """One-step Gaussian generator over the unit cube ``[0, 1]^dim``.

    Parameters
    ----------
    dim:
        Dimensions of the box.
    noise_dim:
        Size of the random input vector (dcd: 50).
    hidden:
        Hidden layer sizes of the mean's MLP (tanh).
    generator:
        Seeds the initial weights.
    """

    def __init__(self, dim: int, noise_dim: int, hidden: Sequence[int], generator: torch.Generator) -> None:
        super().__init__()
        self.dim = dim
        self.noise_dim = noise_dim
        self.mean = _mlp([noise_dim, *hidden, dim])
        self.log_std = nn.Parameter(torch.zeros(dim))
        _seed_init(self, generator)

    def distribution(self, noise: torch.Tensor) -> torch.distributions.Normal:
        return torch.distributions.Normal(self.mean(noise), self.log_std.exp().expand(noise.shape[0], self.dim))

    @torch.no_grad()
    def act(self, generator: torch.Generator, n: int = 1) -> list[dict[str, np.ndarray]]:
        """Draw ``n`` levels: per level ``{"noise", "action", "log_prob", "unit"}`` as numpy arrays."""
        noise = torch.randn(n, self.noise_dim, generator=generator)
        dist = self.distribution(noise)
        eps = torch.randn(n, self.dim, generator=generator)
        action = dist.mean + dist.stddev * eps
        log_prob = dist.log_prob(action).sum(-1, keepdim=True)
        unit = torch.sigmoid(action).double()
        return [
            {
                "noise": noise[i].numpy().copy(),
                "action": action[i].numpy().copy(),
                "log_prob": log_prob[i].numpy().copy(),
                "unit": unit[i].numpy().copy(),
            }
            for i in range(n)
        ]

    def log_prob_entropy(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-level log-probabilities ``(B, 1)`` and entropies ``(B, 1)`` of stored actions."""
        dist = self.distribution(batch["noise"])
        return dist.log_prob(batch["action"]).sum(-1, keepdim=True), dist.entropy().sum(-1, keepdim=True)

    @staticmethod
    def collate(records: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        return {
            "noise": torch.as_tensor(np.stack([r["noise"] for r in records]), dtype=torch.float32),
            "action": torch.as_tensor(np.stack([r["action"] for r in records]), dtype=torch.float32),
            "log_prob": torch.as_tensor(np.stack([r["log_prob"] for r in records]), dtype=torch.float32),
        }


class MazeAdversary(nn.Module):
    """PAIRED's sequential maze generator over an ``N x N`` interior.

    Parameters
    ----------
    size:
        ``N``.
    max_walls:
        Wall placements per level; an episode has ``max_walls + 2`` steps.
    noise_dim:
        Size of the random vector drawn once per level (dcd: 50).
    channels:
        Filters of the 3 x 3 convolution over the grid planes (dcd: 16).
    hidden:
        Hidden layer sizes of the MLP after it.
    generator:
        Seeds the initial weights.
    """

    def __init__(
        self, size: int, max_walls: int, noise_dim: int, channels: int, hidden: Sequence[int], generator: torch.Generator
    ) -> None:
        super().__init__()
        self.size = size
        self.max_walls = max_walls
        self.n_steps = max_walls + 2
        self.noise_dim = noise_dim
        self.conv = nn.Conv2d(3, channels, kernel_size=3, padding=1)
        self.head = _mlp([channels * size * size + self.n_steps + noise_dim, *hidden, size * size])
        _seed_init(self, generator)

    def logits(self, grid: torch.Tensor, step: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        """``grid`` (B, 3, N, N), ``step`` (B,) ints, ``noise`` (B, noise_dim) -> (B, N * N) logits."""
        features = torch.relu(self.conv(grid)).flatten(1)
        onehot = nn.functional.one_hot(step, self.n_steps).float()
        logits = self.head(torch.cat([features, onehot, noise], dim=1))
        # the agent may not stand on the goal: mask the goal's cell at step 1
        agent_step = (step == 1).unsqueeze(1) & (grid[:, 1].flatten(1) > 0)
        return logits.masked_fill(agent_step, -1e9)

    @torch.no_grad()
    def act(self, generator: torch.Generator, n: int = 1) -> list[dict[str, np.ndarray]]:
        """Build ``n`` levels at once: per level ``{"noise", "actions", "log_prob"}`` (cells ``y * N + x``)."""
        size = self.size
        noise = torch.randn(n, self.noise_dim, generator=generator)
        grids = np.zeros((n, 3, size, size), dtype=np.float32)
        actions = np.zeros((n, self.n_steps), dtype=np.int64)
        log_probs = np.zeros((n, self.n_steps), dtype=np.float32)
        for t in range(self.n_steps):
            logits = self.logits(torch.from_numpy(grids.copy()), torch.full((n,), t, dtype=torch.int64), noise)
            log_p = torch.log_softmax(logits, dim=1)
            a = torch.multinomial(log_p.exp(), 1, generator=generator)
            actions[:, t] = a[:, 0].numpy()
            log_probs[:, t] = log_p.gather(1, a)[:, 0].numpy()
            for i in range(n):
                _place(grids[i], t, int(actions[i, t]), size)
        return [
            {"noise": noise[i].numpy().copy(), "actions": actions[i].copy(), "log_prob": log_probs[i].copy()}
            for i in range(n)
        ]

    def observations(self, actions: np.ndarray) -> torch.Tensor:
        """The grids seen before each step, ``(B, T, 3, N, N)``, rebuilt from the actions ``(B, T)``."""
        b, t_max = actions.shape
        n = self.size
        grids = np.zeros((b, t_max, 3, n, n), dtype=np.float32)
        for i in range(b):
            current = np.zeros((3, n, n), dtype=np.float32)
            for t in range(t_max):
                grids[i, t] = current
                _place(current, t, int(actions[i, t]), n)
        return torch.from_numpy(grids)

    def log_prob_entropy(self, batch: Mapping[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-step log-probabilities ``(B, T)`` and entropies ``(B, T)`` of stored actions."""
        grids, actions, noise = batch["grids"], batch["actions"], batch["noise"]
        b, t_max = actions.shape
        steps = torch.arange(t_max).repeat(b)
        logits = self.logits(
            grids.reshape(b * t_max, *grids.shape[2:]), steps, noise.repeat_interleave(t_max, dim=0)
        )
        dist = torch.distributions.Categorical(logits=logits)
        flat = actions.reshape(-1)
        return dist.log_prob(flat).reshape(b, t_max), dist.entropy().reshape(b, t_max)

    def collate(self, records: Sequence[Mapping[str, Any]]) -> dict[str, torch.Tensor]:
        actions = np.stack([r["actions"] for r in records]).astype(np.int64)
        return {
            "noise": torch.as_tensor(np.stack([r["noise"] for r in records]), dtype=torch.float32),
            "actions": torch.from_numpy(actions),
            "grids": self.observations(actions),
            "log_prob": torch.as_tensor(np.stack([r["log_prob"] for r in records]), dtype=torch.float32),
        }


def _place(grid: np.ndarray, t: int, cell: int, n: int) -> None:
    """Apply action ``cell`` at step ``t`` to ``grid`` (3, N, N): goal, agent, then walls (no-op if occupied)."""
    y, x = divmod(cell, n)
    if t == 0:
        grid[1, y, x] = 1.0
    elif t == 1:
        grid[2, y, x] = 1.0
    elif not grid[:, y, x].any():
        grid[0, y, x] = 1.0


def maze_parts(actions: np.ndarray, size: int) -> tuple[tuple[int, int], tuple[int, int], tuple[tuple[int, int], ...]]:
    """``(goal, agent, sorted walls)`` as ``(x, y)`` cells from a :class:`MazeAdversary` action sequence."""

    def cell(a: int) -> tuple[int, int]:
        y, x = divmod(int(a), size)
        return (x, y)

    goal, agent = cell(actions[0]), cell(actions[1])
    walls = {cell(a) for a in actions[2:]} - {goal, agent}
    return goal, agent, tuple(sorted(walls))


def ppo_update(
    policy: nn.Module,
    optimizer: torch.optim.Optimizer,
    batch: Mapping[str, torch.Tensor],
    regrets: np.ndarray,
    *,
    n_epochs: int,
    n_minibatches: int,
    clip_range: float,
    entropy_coef: float,
    max_grad_norm: float,
    generator: torch.Generator,
) -> dict[str, float]:
    """PPO's clipped surrogate over a batch of levels, each rewarded with its regret.

    The advantage of every step of level ``i`` is ``(R_i - mean R) / (std R + 1e-8)`` (one
    reward at the end, undiscounted; the batch mean is the baseline). Minibatches are drawn
    with ``generator``. Returns the last epoch's mean losses and the approximate KL.
    """
    regrets_t = torch.as_tensor(regrets, dtype=torch.float32)
    adv = (regrets_t - regrets_t.mean()) / (regrets_t.std(unbiased=False) + 1e-8)
    n = adv.shape[0]
    old = batch["log_prob"]
    stats: dict[str, float] = {}
    for _ in range(n_epochs):
        order = torch.randperm(n, generator=generator)
        for chunk in torch.tensor_split(order, n_minibatches):
            if chunk.numel() == 0:
                continue
            sub = {k: v[chunk] for k, v in batch.items()}
            log_prob, entropy = policy.log_prob_entropy(sub)
            a = adv[chunk].unsqueeze(1).expand_as(log_prob)
            ratio = torch.exp(log_prob - old[chunk].reshape(log_prob.shape))
            surrogate = torch.min(ratio * a, torch.clamp(ratio, 1 - clip_range, 1 + clip_range) * a)
            policy_loss = -surrogate.mean()
            entropy_mean = entropy.mean()
            loss = policy_loss - entropy_coef * entropy_mean
            optimizer.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(policy.parameters(), max_grad_norm)
            optimizer.step()
            with torch.no_grad():
                log_ratio = log_prob - old[chunk].reshape(log_prob.shape)
                stats = {
                    "policy_loss": float(policy_loss),
                    "entropy": float(entropy_mean),
                    "approx_kl": float(((log_ratio.exp() - 1) - log_ratio).mean()),
                }
    return stats


# --------------------------------------------------------------------------- plain-data state


def module_state(module: nn.Module) -> dict[str, np.ndarray]:
    """A module's parameters and buffers as numpy arrays (exact copies)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in module.state_dict().items()}


def load_module_state(module: nn.Module, state: Mapping[str, Any]) -> None:
    module.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()}, strict=True)


def optimizer_state(optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    """An optimiser's ``state_dict`` with every tensor turned into a numpy array."""
    return _to_numpy(optimizer.state_dict())


def load_optimizer_state(optimizer: torch.optim.Optimizer, state: Mapping[str, Any]) -> None:
    optimizer.load_state_dict(_to_torch(state))


def _to_numpy(obj: Any) -> Any:
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu().numpy().copy()
    if isinstance(obj, Mapping):
        return {k: _to_numpy(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_numpy(v) for v in obj)
    return obj


def _to_torch(obj: Any) -> Any:
    if isinstance(obj, np.ndarray):
        return torch.from_numpy(obj.copy())
    if isinstance(obj, Mapping):
        return {k: _to_torch(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_torch(v) for v in obj)
    return obj


def torch_rng_state(generator: torch.Generator) -> np.ndarray:
    """A ``torch.Generator``'s state as a uint8 numpy array."""
    return generator.get_state().numpy().copy()


def set_torch_rng_state(generator: torch.Generator, state: np.ndarray) -> None:
    generator.set_state(torch.from_numpy(np.asarray(state, dtype=np.uint8).copy()))


def make_generator(seed: int) -> torch.Generator:
    """A CPU ``torch.Generator`` seeded with ``seed``."""
    g = torch.Generator()
    g.manual_seed(int(seed))
    return g


def build_optimizer(module: nn.Module, learning_rate: float) -> torch.optim.Optimizer:
    """Adam with PyTorch's epsilon 1e-8 (dcd uses 1e-5; immaterial at these sizes)."""
    return torch.optim.Adam(module.parameters(), lr=learning_rate)


# --------------------------------------------------------------------------- checked loading
# Each reader checks one part of a saved state against a freshly built object (shapes, dtypes,
# keys, finiteness) before loading it, and names the key path of every refusal.


def read_like(r: StateReader, key: str, like: np.ndarray, low: Any = None, high: Any = None) -> np.ndarray:
    """``r[key]`` as an array of ``like``'s shape and dtype exactly (floats finite), or an error naming the key.

    Another dtype (a float64 array for a float32 one, a float array for integers) is refused,
    never converted, so that a loaded state gives back exactly what it was given.
    """
    v = r.get(key)
    if isinstance(v, np.ndarray) and v.dtype != like.dtype:
        raise TypeError(f"{r.where(key)}: expected a {like.dtype} array, got dtype {v.dtype}")
    kind = {"f": "f", "i": "i", "u": "i", "b": "b"}[like.dtype.kind]
    if kind == "i":
        info = np.iinfo(like.dtype)
        low = info.min if low is None else max(low, int(info.min))
        high = info.max if high is None else min(high, int(info.max))
    return r.array(key, kind, like.shape, low, high).astype(like.dtype)


def read_module_state(r: StateReader, module: nn.Module) -> None:
    """Check :func:`module_state` data against ``module``'s own (same keys, shapes, dtypes) and load it."""
    expected = module_state(module)
    r.keys(list(expected))
    values = {k: read_like(r, k, like) for k, like in expected.items()}
    try:
        load_module_state(module, values)
    except (RuntimeError, KeyError, ValueError, TypeError) as e:  # pragma: no cover - the checks above fit
        raise ValueError(f"{r.path}: the network's weights do not fit ({e})") from e


def read_optimizer_state(r: StateReader, optimizer: torch.optim.Optimizer) -> int:
    """Check :func:`optimizer_state` data against a fresh ``optimizer`` and load it; return its step count.

    The settings (``param_groups``) must equal the fresh optimiser's; the per-parameter state
    (Adam's ``step``, ``exp_avg``, ``exp_avg_sq``) is either absent (no step taken yet) or
    present for every parameter, with the parameter's shape, finite values, non-negative second
    moments and one integral step count shared by all. Returns that count (0 when absent).
    """
    fresh = optimizer_state(optimizer)
    r.keys(["state", "param_groups"])
    groups = r.get("param_groups")
    diff = state_difference(fresh["param_groups"], groups, r.where("param_groups"))
    if diff is not None:
        raise ValueError(
            f"{diff}: the optimiser settings differ from this teacher's (the state was saved with other "
            "parameters or another torch version)"
        )
    params = [p for group in optimizer.param_groups for p in group["params"]]
    s = r.sub("state")
    for k in s.state:
        if not is_int(k) or not 0 <= int(k) < len(params):
            raise ValueError(f"{s.where(k)}: unknown key; expected parameter indices 0..{len(params) - 1}")
    if s.state and len(s.state) != len(params):
        missing = sorted(set(range(len(params))) - {int(k) for k in s.state})
        raise ValueError(f"{s.path}: missing keys {missing}; every parameter has a state once a step was taken")
    amsgrad = bool(fresh["param_groups"][0].get("amsgrad", False)) if fresh["param_groups"] else False
    names = ["step", "exp_avg", "exp_avg_sq", *(["max_exp_avg_sq"] if amsgrad else [])]
    entries: dict[int, dict[str, np.ndarray]] = {}
    steps: set[float] = set()
    for k in sorted(s.state, key=int):
        e = s.sub(k)
        e.keys(names)
        p = params[int(k)]
        like = np.zeros(tuple(p.shape), dtype=p.detach().cpu().numpy().dtype)
        raw = e.get("step")  # float32, or float64 under a float64 default dtype: kept as saved
        wide = isinstance(raw, np.ndarray) and raw.dtype == np.float64
        step = read_like(e, "step", np.zeros((), dtype=np.float64 if wide else np.float32), low=1)
        if float(step) != round(float(step)):
            raise ValueError(f"{e.where('step')}: got {float(step)!r}; allowed: a whole number of steps")
        steps.add(float(step))
        entry = {"step": step, "exp_avg": read_like(e, "exp_avg", like)}
        for name in names[2:]:
            entry[name] = read_like(e, name, like, low=0.0)
        entries[int(k)] = entry
    if len(steps) > 1:
        raise ValueError(f"{s.path}: the parameters' step counts differ ({sorted(steps)}); they are stepped together")
    try:
        load_optimizer_state(optimizer, {"state": entries, "param_groups": groups})
    except (RuntimeError, KeyError, ValueError, TypeError) as e:  # pragma: no cover - the checks above fit
        raise ValueError(f"{r.path}: the optimiser state does not fit ({e})") from e
    return int(steps.pop()) if steps else 0


def read_torch_rng_state(r: StateReader, key: str, generator: torch.Generator) -> None:
    """Check a :func:`torch_rng_state` array (``generator``'s size, uint8) and set ``generator`` to it."""
    state = read_like(r, key, torch_rng_state(generator))
    try:
        set_torch_rng_state(generator, state)
    except RuntimeError as e:
        raise ValueError(f"{r.where(key)}: not the state of a torch generator ({e}); got {describe(state)}") from e


Collate = Callable[[Sequence[Mapping[str, Any]]], dict[str, torch.Tensor]]
