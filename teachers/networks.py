"""What the teachers that train torch networks share (GoalGAN, Setter-Solver).

* torch is imported lazily (:func:`import_torch`), so ``import autocurriculum`` stays torch-free;
* each teacher owns a :class:`torch.Generator` seeded from its numpy generator: network
  initialisation, latent noise and mini-batches never touch torch's global random state;
* layers are created without torch's default initialisation (which draws from the global
  generator) and initialised from the teacher's generator as :class:`torch.nn.Linear` would be;
* networks, optimiser state and the generator's state go into ``state_dict()`` as numpy arrays
  (exact copies of the tensors, plain data that the contract suite compares) and come back as
  tensors;
* torch runs single-threaded inside the teacher (:func:`single_thread`, restoring the caller's
  setting afterwards): the networks are far too small to gain from threads, and on a busy machine
  an intra-op thread pool made one gradient step 50x slower (147 ms instead of 3 ms, measured);
* training is *budgeted*: a training round is queued as a number of gradient steps on data frozen
  when the round starts, and each ``update()`` runs at most ``steps_per_update`` of them, so that a
  teacher never holds the environment loop for long (the step count, not wall time, decides, so
  runs stay reproducible).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from autocurriculum.teachers.base import Teacher
from autocurriculum.teachers.validation import StateReader, is_int, state_difference

if TYPE_CHECKING:
    import torch

__all__ = ["NetworkTeacher", "import_torch", "single_thread", "to_numpy_tree", "to_torch_tree"]


def import_torch() -> Any:
    """Import torch (a dependency of the package, imported only when a network teacher is set up)."""
    import torch

    return torch


@contextlib.contextmanager
def single_thread() -> Iterator[Any]:
    """Run torch on one intra-op thread inside the block; yields the torch module."""
    torch = import_torch()
    previous = torch.get_num_threads()
    if previous != 1:
        torch.set_num_threads(1)
    try:
        yield torch
    finally:
        if previous != 1:
            torch.set_num_threads(previous)


def to_numpy_tree(value: Any) -> Any:
    """Tensors -> numpy arrays (copies), recursively through dicts, lists and tuples."""
    torch = import_torch()
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().clone().numpy()
    if isinstance(value, dict):
        return {k: to_numpy_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_numpy_tree(v) for v in value)
    return value


def to_torch_tree(value: Any) -> Any:
    """Numpy arrays -> tensors (copies), recursively; the inverse of :func:`to_numpy_tree`."""
    torch = import_torch()
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value.copy())
    if isinstance(value, dict):
        return {k: to_torch_tree(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(to_torch_tree(v) for v in value)
    return value


def check_hidden_sizes(value: Any, owner: str, name: str) -> tuple[int, ...]:
    sizes = tuple(value) if isinstance(value, (list, tuple)) else None
    if not sizes or any(not is_int(h) or h < 1 for h in sizes):
        raise ValueError(f"{owner}.{name}: expected a non-empty list of positive layer widths, got {value!r}")
    return tuple(int(h) for h in sizes)


def _read_tensor(r: StateReader, key: Any, like: np.ndarray, low: float | None = None) -> np.ndarray:
    """The array under ``key``, of ``like``'s shape and dtype (finite), or a refusal naming the key path."""
    kind = "f" if like.dtype.kind == "f" else "i" if like.dtype.kind in "iu" else "b"
    out = r.array(key, kind, like.shape, low=low)
    v = r.get(key)
    if v.dtype != like.dtype:
        raise TypeError(f"{r.where(key)}: expected dtype {like.dtype}, got {v.dtype}")
    return out.astype(like.dtype)


def _read_tensors(r: StateReader, template: dict[str, Any]) -> dict[str, np.ndarray]:
    """A module's saved ``state_dict`` checked against its own (same names, shapes and dtypes)."""
    like = to_numpy_tree(template)
    try:
        r.keys(list(like))
        return {k: _read_tensor(r, k, v) for k, v in like.items()}
    except ValueError as e:
        if "shape" not in str(e) and "keys" not in str(e):
            raise
        raise ValueError(f"{e} (the saved networks do not fit this teacher's: other layer sizes?)") from None


def _read_optimiser(r: StateReader, optimiser: Any) -> dict[str, Any]:
    """An Adam ``state_dict`` checked against ``optimiser``: its parameter groups and per-parameter moments.

    The per-parameter state is either empty (before the first step) or present for every parameter.
    """
    r.keys(["state", "param_groups"])
    own = to_numpy_tree(optimiser.state_dict())
    groups = r.get("param_groups")
    diff = state_difference(own["param_groups"], groups, r.where("param_groups"))
    if diff is not None:
        raise ValueError(f"{diff}: the optimiser's settings differ from this teacher's")
    params = [p for g in optimiser.param_groups for p in g["params"]]
    indices = [i for g in own["param_groups"] for i in g["params"]]
    s = r.sub("state")
    if len(s.state):
        s.keys(indices)
    out: dict[Any, Any] = {}
    for i, p in zip(indices, params, strict=True):
        if i not in s.state:
            continue
        e = s.sub(i)  # type: ignore[arg-type]
        amsgrad = any(g.get("amsgrad") for g in own["param_groups"])
        names = ["exp_avg", "exp_avg_sq"] + (["max_exp_avg_sq"] if amsgrad else [])
        e.keys(["step", *names])
        like = p.detach().cpu().numpy()
        # Adam counts steps in a 0-d float32 tensor (torch's scalar dtype on CPU)
        entry: dict[str, Any] = {"step": _read_tensor(e, "step", np.zeros((), dtype=np.float32), low=0.0)}
        for n in names:
            entry[n] = _read_tensor(e, n, like, low=0.0 if n != "exp_avg" else None)
        out[i] = entry
    return {"state": out, "param_groups": groups}


class NetworkTeacher(Teacher):
    """Base of teachers that train torch networks: seeded generator, layers, state, budgeted training.

    Subclasses build their networks and optimisers in ``_build_networks()`` (called by
    ``_init_state``) and list them in ``_networks()`` / ``_optimisers()``; they implement
    ``_train_step()`` for one gradient step of the current round and start a round with
    :meth:`_queue_training`. Their own state goes through ``_get_net_state`` / ``_set_net_state``.
    """

    steps_per_update: int

    # ------------------------------------------------------------------ set-up
    def _validate_budget(self) -> None:
        if not is_int(self.steps_per_update) or self.steps_per_update < 1:
            raise ValueError(
                f"{type(self).__name__}.steps_per_update: expected a positive integer, got {self.steps_per_update!r}"
            )

    def _init_state(self) -> None:
        torch = import_torch()
        self.torch_rng_ = torch.Generator()
        self.torch_rng_.manual_seed(int(self.rng_.integers(2**62)))
        self.pending_steps_ = 0
        self.n_train_steps_ = 0
        self.n_rounds_ = 0
        self._build_networks()

    def _build_networks(self) -> None:
        raise NotImplementedError

    def _networks(self) -> dict[str, torch.nn.Module]:
        raise NotImplementedError

    def _optimisers(self) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def _linear(self, n_in: int, n_out: int) -> torch.nn.Linear:
        """A linear layer initialised like torch's default, from the teacher's generator."""
        torch = import_torch()
        layer = torch.nn.utils.skip_init(torch.nn.Linear, n_in, n_out)
        bound = 1.0 / math.sqrt(n_in)
        with torch.no_grad():
            layer.weight.uniform_(-bound, bound, generator=self.torch_rng_)
            layer.bias.uniform_(-bound, bound, generator=self.torch_rng_)
        return layer

    def _mlp(self, n_in: int, hidden: Sequence[int], n_out: int, activation: str = "relu") -> torch.nn.Sequential:
        torch = import_torch()
        act = {"relu": torch.nn.ReLU, "leaky_relu": torch.nn.LeakyReLU, "tanh": torch.nn.Tanh}[activation]
        layers: list[torch.nn.Module] = []
        width = n_in
        for h in hidden:
            layers += [self._linear(width, h), act()]
            width = h
        layers.append(self._linear(width, n_out))
        return torch.nn.Sequential(*layers)

    # ------------------------------------------------------------------ budgeted training
    def _queue_training(self, n_steps: int) -> None:
        """Start a training round of ``n_steps`` gradient steps (replacing an unfinished one)."""
        self.pending_steps_ = int(n_steps)
        self.n_rounds_ += 1

    def _advance_training(self) -> None:
        """Run up to ``steps_per_update`` pending gradient steps."""
        n = min(self.pending_steps_, int(self.steps_per_update))
        if n == 0:
            return
        with single_thread():
            for _ in range(n):
                self._train_step()
                self.pending_steps_ -= 1
                self.n_train_steps_ += 1

    def _train_step(self) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ state
    def _get_state(self) -> dict[str, Any]:
        return {
            "torch_rng": to_numpy_tree(self.torch_rng_.get_state()),
            "networks": {k: to_numpy_tree(dict(m.state_dict())) for k, m in self._networks().items()},
            "optimisers": {k: to_numpy_tree(o.state_dict()) for k, o in self._optimisers().items()},
            "pending_steps": self.pending_steps_,
            "n_train_steps": self.n_train_steps_,
            "n_rounds": self.n_rounds_,
            "own": self._get_net_state(),
        }

    def _set_state(self, state: dict[str, Any]) -> None:
        torch = import_torch()
        r = self._state_reader(state)
        r.keys(["torch_rng", "networks", "optimisers", "pending_steps", "n_train_steps", "n_rounds", "own"])
        networks, optimisers = self._networks(), self._optimisers()
        nets = r.sub("networks")
        nets.keys(list(networks))
        net_states = {k: _read_tensors(nets.sub(k), dict(m.state_dict())) for k, m in networks.items()}
        opts = r.sub("optimisers")
        opts.keys(list(optimisers))
        opt_states = {k: _read_optimiser(opts.sub(k), o) for k, o in optimisers.items()}
        template = self.torch_rng_.get_state().numpy()
        rng_state = r.array("torch_rng", "i", template.shape, 0, 255).astype(template.dtype)
        try:
            for k, m in networks.items():
                m.load_state_dict(to_torch_tree(net_states[k]))
            for k, o in optimisers.items():
                o.load_state_dict(to_torch_tree(opt_states[k]))
        except (RuntimeError, KeyError, ValueError) as e:  # torch reports mismatches as RuntimeError
            raise ValueError(
                f"{r.where('networks')}: the saved networks do not fit this teacher's (built with other layer "
                f"sizes?): {e}"
            ) from None
        try:
            self.torch_rng_.set_state(torch.from_numpy(rng_state))
        except RuntimeError as e:
            raise ValueError(f"{r.where('torch_rng')}: not a state of a torch CPU generator ({e})") from None
        self.pending_steps_ = r.int("pending_steps")
        self.n_train_steps_ = r.int("n_train_steps")
        self.n_rounds_ = r.int("n_rounds")
        self._set_net_state(r.sub("own"))

    def _get_net_state(self) -> dict[str, Any]:
        return {}

    def _set_net_state(self, r: StateReader) -> None:
        """Check and restore what :meth:`_get_net_state` returned, read through ``r`` (names the key path)."""
        r.keys([])

    def _net_metrics(self) -> dict[str, float]:
        return {
            "n_train_steps": float(self.n_train_steps_),
            "n_training_rounds": float(self.n_rounds_),
            "pending_train_steps": float(self.pending_steps_),
        }

    # ------------------------------------------------------------------ pickling
    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        if "torch_rng_" in state:
            state["torch_rng_"] = self.torch_rng_.get_state()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        rng_state = state.get("torch_rng_")
        if rng_state is not None:
            torch = import_torch()
            gen = torch.Generator()
            gen.set_state(rng_state)
            state["torch_rng_"] = gen
        self.__dict__.update(state)
