"""The fixed random CPPN behind Parkour's terrain, and the script that generates its weights.

TeachMyAgent (Romac et al., ICML 2021) draws Parkour's ground and ceiling from a CPPN (Stanley,
2007): a small fixed network evaluated at every position ``x`` of the track, with the task's input
vector appended to ``x``. Its network (``TanHSoftplusMixCPPN``) has four hidden layers of 64 units
alternating tanh and softplus, no biases, and two outputs (ground, ceiling); its weights are a
TensorFlow checkpoint. Ours has the same architecture with weights drawn here from a fixed seed
(truncated normals: standard deviations 1.5 for the input layer, 1.0 for the hidden layers, 0.5
for the output layer, chosen so that ground and ceiling vary by a few metres over the track with
steps of at most ~0.25 m between terrain points) and shipped as ``data/parkour_cppn.npz`` with
the fixed 100-task test set (uniform draws over the task space from a second seed).

Run ``python -m autocurriculum.environments.parkour_cppn`` to regenerate the file; a test checks
that the shipped file equals what this script writes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["CPPN", "DATA_PATH", "generate_data", "load_data"]

DATA_PATH = Path(__file__).resolve().parent / "data" / "parkour_cppn.npz"
WEIGHT_SEED = 20210101  # seed of the CPPN's weights
TEST_SET_SEED = 20210102  # seed of the 100 test tasks
LAYER_STDS = (1.5, 1.0, 1.0, 1.0, 0.5)
HIDDEN = 64
N_TEST_TASKS = 100


def _truncated_normal(rng: np.random.Generator, shape: tuple[int, ...], std: float) -> np.ndarray:
    """Normal draws redrawn until within two standard deviations (TensorFlow's truncated normal)."""
    w = rng.standard_normal(shape)
    bad = np.abs(w) > 2.0
    while bad.any():
        w[bad] = rng.standard_normal(int(bad.sum()))
        bad = np.abs(w) > 2.0
    return w * std


def generate_data(input_dim: int, task_low: np.ndarray, task_high: np.ndarray) -> dict[str, np.ndarray]:
    """The CPPN's weights (``w0`` ... ``w4``) and the test set (``test_set``), from the fixed seeds."""
    rng = np.random.default_rng(WEIGHT_SEED)
    sizes = [input_dim + 1, HIDDEN, HIDDEN, HIDDEN, HIDDEN, 2]
    data = {f"w{i}": _truncated_normal(rng, (sizes[i], sizes[i + 1]), LAYER_STDS[i]) for i in range(5)}
    low, high = np.asarray(task_low, dtype=np.float64), np.asarray(task_high, dtype=np.float64)
    data["test_set"] = np.random.default_rng(TEST_SET_SEED).uniform(low, high, size=(N_TEST_TASKS, len(low)))
    return data


def load_data(path: Path = DATA_PATH) -> dict[str, np.ndarray]:
    """The shipped arrays (plain ``.npz``, loaded without pickle)."""
    with np.load(path, allow_pickle=False) as f:
        return {k: f[k].copy() for k in f.files}


class CPPN:
    """Ground and ceiling profiles from an input vector: ``(n_points, 2)`` network outputs.

    Parameters
    ----------
    weights:
        The five weight matrices, input layer first (input size ``input_dim + 1``: ``x`` then the
        input vector).
    """

    def __init__(self, weights: list[np.ndarray]) -> None:
        self.weights = [np.asarray(w, dtype=np.float64) for w in weights]
        self.input_dim = self.weights[0].shape[0] - 1

    def __call__(self, input_vector: np.ndarray, n_points: int) -> np.ndarray:
        """Outputs at ``n_points`` positions ``x = 0, 1/(n-1), ..., 1``: ground (column 0), ceiling (1)."""
        v = np.asarray(input_vector, dtype=np.float64)
        if v.shape != (self.input_dim,):
            raise ValueError(f"input_vector: expected shape ({self.input_dim},), got {v.shape}")
        x = np.linspace(0.0, 1.0, n_points)[:, None]
        h = np.concatenate([x, np.broadcast_to(v, (n_points, self.input_dim))], axis=1)
        w0, w1, w2, w3, w4 = self.weights
        h = np.tanh(h @ w0)
        h = np.logaddexp(0.0, h @ w1)  # softplus
        h = np.tanh(h @ w2)
        h = np.logaddexp(0.0, h @ w3)
        return h @ w4


def main() -> None:
    """Write :data:`DATA_PATH` from the fixed seeds."""
    from autocurriculum.environments.parkour import parkour_task_space

    space = parkour_task_space()
    data = generate_data(3, space.low, space.high)
    DATA_PATH.parent.mkdir(parents=True, exist_ok=True)
    np.savez(DATA_PATH, **data)  # type: ignore[arg-type]
    print(f"wrote {DATA_PATH}: {', '.join(f'{k} {v.shape}' for k, v in data.items())}")


if __name__ == "__main__":
    main()
