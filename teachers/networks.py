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
from autocurriculum.teachers.validation import is_int

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
        networks, optimisers = self._networks(), self._optimisers()
        for group, names in (("networks", networks), ("optimisers", optimisers)):
            if set(state[group]) != set(names):
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: state[{group!r}] holds {sorted(state[group])}, "
                    f"expected {sorted(names)}"
                )
        try:
            for k, m in networks.items():
                m.load_state_dict(to_torch_tree(state["networks"][k]))
            for k, o in optimisers.items():
                o.load_state_dict(to_torch_tree(state["optimisers"][k]))
        except (RuntimeError, KeyError) as e:  # torch reports shape and key mismatches as RuntimeError
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: the saved networks do not fit this teacher's "
                f"(built with other layer sizes?): {e}"
            ) from None
        rng_state = np.asarray(state["torch_rng"], dtype=np.uint8)
        self.torch_rng_.set_state(torch.from_numpy(rng_state.copy()))
        self.pending_steps_ = int(state["pending_steps"])
        self.n_train_steps_ = int(state["n_train_steps"])
        self.n_rounds_ = int(state["n_rounds"])
        self._set_net_state(state["own"])

    def _get_net_state(self) -> dict[str, Any]:
        return {}

    def _set_net_state(self, state: dict[str, Any]) -> None:
        pass

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
