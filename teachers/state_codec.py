"""Plain-data state files that cannot execute code on load: run checkpoints and saved students.

The experiment runner's checkpoints (:mod:`autocurriculum.experiments.checkpoints`) and
``SB3Student.save`` both write this format.

Format (``checkpoint.ckpt``, format 2)
--------------------------------------
A checkpoint is three parts::

    AUTOCURRICULUM-CHECKPOINT\\n                         magic line
    {"format": 2, "json_bytes": N, "sha256": "..."}\\n    header line (JSON)
    payload                                               N bytes of JSON, then the raw array bytes

The JSON describes the state tree: ``null``, booleans, integers (any size), floats (``NaN`` and
``Infinity`` included; Python's shortest round-trip repr, so every float comes back bit for bit),
strings and lists are themselves; every other value is an object with one tag:
``{"$dict": [[key, value], ...]}`` (any plain key, insertion order kept), ``$odict``
(``OrderedDict``, as in torch module state dicts), ``$tuple``, ``$bytes``, ``$array`` (numpy: dtype
string, shape, offset and length of its bytes), ``$scalar`` (a numpy scalar such as
``np.float64``), ``$tensor`` (torch: dtype name, shape, ``requires_grad``, its bytes; loaded on
the CPU). Object arrays, structured dtypes and anything else (class instances, callables) are
refused when saving, with the key path of the value.

Why not pickle, or ``torch.load(weights_only=True)``
----------------------------------------------------
A pickle executes whatever its file names on load, and a checksum does not help against a
crafted file (its author computes the checksum too). ``torch.load(weights_only=True)`` is safe
for tensors but needs an allow-list of numpy internals for arrays and numpy scalars whose names
change between numpy versions, and still runs an unpickler. This format has no code path that
constructs an object chosen by the file: decoding builds only the types listed above, with
``json.loads`` and ``numpy.frombuffer``/``torch.frombuffer`` on byte ranges whose sizes are
checked. Every value round-trips exactly (dtype, shape, bytes, container type), which resume
relies on.

The SHA-256 of the payload is verified before anything is decoded; a file that fails it (a
cut write, a bad disk) is reported naming the file. The runner keeps the previous checkpoint
(``checkpoint.previous.ckpt``) and loads the newest intact one.
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from collections import OrderedDict
from typing import Any

import numpy as np

__all__ = ["CHECKPOINT_FORMAT", "MAGIC", "CheckpointError", "decode", "encode"]

MAGIC = b"AUTOCURRICULUM-CHECKPOINT\n"
CHECKPOINT_FORMAT = 2
_MAX_HEADER = 4096
_ARRAY_KINDS = "biufcSUmM"


class CheckpointError(ValueError):
    """A checkpoint that cannot be written or read; the message names the file or the key."""


# ---------------------------------------------------------------------- encoding
class _Encoder:
    def __init__(self) -> None:
        self.blobs: list[bytes] = []
        self.size = 0

    def blob(self, data: bytes) -> list[int]:
        ref = [self.size, len(data)]
        self.blobs.append(data)
        self.size += len(data)
        return ref

    def array(self, a: np.ndarray, where: str) -> dict[str, Any]:
        if a.dtype.kind not in _ARRAY_KINDS or a.dtype.fields is not None:
            raise CheckpointError(f"{where}: numpy arrays of dtype {a.dtype} cannot be saved (plain dtypes only)")
        return {"dtype": a.dtype.str, "shape": list(a.shape), "data": self.blob(np.ascontiguousarray(a).tobytes())}

    def value(self, x: Any, where: str) -> Any:
        if x is None or isinstance(x, (bool, str)):
            return x
        if isinstance(x, int):
            return int(x)
        if isinstance(x, float):
            return float(x)
        if isinstance(x, list):
            return [self.value(v, f"{where}[{i}]") for i, v in enumerate(x)]
        if isinstance(x, tuple):
            return {"$tuple": [self.value(v, f"{where}[{i}]") for i, v in enumerate(x)]}
        if isinstance(x, dict):
            tag = "$odict" if isinstance(x, OrderedDict) else "$dict"
            return {tag: [[self.value(k, f"{where} key"), self.value(v, f"{where}[{k!r}]")] for k, v in x.items()]}
        if isinstance(x, (bytes, bytearray)):
            return {"$bytes": self.blob(bytes(x))}
        if isinstance(x, np.ndarray):
            return {"$array": self.array(x, where)}
        if isinstance(x, np.generic):
            return {"$scalar": self.array(np.asarray(x), where)}
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(x, torch.Tensor):
            return {"$tensor": self.tensor(x, where, torch)}
        raise CheckpointError(
            f"{where}: {type(x).__module__}.{type(x).__qualname__} cannot be saved in a checkpoint "
            "(state dicts hold plain data only: dict, list, tuple, str, int, float, bool, None, bytes, "
            "numpy arrays and torch tensors)"
        )

    def tensor(self, t: Any, where: str, torch: Any) -> dict[str, Any]:
        if t.layout != torch.strided or t.is_quantized:
            raise CheckpointError(f"{where}: only dense torch tensors can be saved, got layout {t.layout}")
        flat = t.detach().cpu().contiguous().reshape(-1)
        raw = flat.view(torch.uint8).numpy().tobytes() if flat.numel() else b""
        return {
            "dtype": str(t.dtype).removeprefix("torch."),
            "shape": list(t.shape),
            "requires_grad": bool(t.requires_grad),
            "data": self.blob(raw),
        }


def encode(state: Any, where: str = "checkpoint") -> bytes:
    """``state`` as a complete checkpoint file (magic, header with checksum, payload)."""
    enc = _Encoder()
    tree = json.dumps(enc.value(state, where), allow_nan=True, separators=(",", ":")).encode()
    digest = hashlib.sha256(tree)
    for b in enc.blobs:
        digest.update(b)
    header = json.dumps({"format": CHECKPOINT_FORMAT, "json_bytes": len(tree), "sha256": digest.hexdigest()})
    return b"".join([MAGIC, header.encode(), b"\n", tree, *enc.blobs])


# ---------------------------------------------------------------------- decoding
class _Decoder:
    def __init__(self, blobs: memoryview) -> None:
        self.blobs = blobs

    def blob(self, ref: Any) -> memoryview:
        if (
            not isinstance(ref, list)
            or len(ref) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in ref)
            or ref[0] + ref[1] > len(self.blobs)
        ):
            raise CheckpointError(f"bad data reference {ref!r}")
        return self.blobs[ref[0] : ref[0] + ref[1]]

    def shape(self, spec: dict[str, Any]) -> tuple[int, ...]:
        shape = spec.get("shape")
        if not isinstance(shape, list) or not all(
            isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape
        ):
            raise CheckpointError(f"bad shape {shape!r}")
        return tuple(shape)

    def array(self, spec: Any) -> np.ndarray:
        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "data"} or not isinstance(spec["dtype"], str):
            raise CheckpointError(f"bad array {spec!r}")
        try:
            dtype = np.dtype(spec["dtype"])
        except TypeError:
            raise CheckpointError(f"bad array dtype {spec['dtype']!r}") from None
        if dtype.kind not in _ARRAY_KINDS or dtype.fields is not None:
            raise CheckpointError(f"array dtype {dtype} is not allowed")
        shape = self.shape(spec)
        data = self.blob(spec["data"])
        if math.prod(shape) * dtype.itemsize != len(data):
            raise CheckpointError(f"array of shape {shape} and dtype {dtype} does not match its {len(data)} bytes")
        return np.frombuffer(data, dtype=dtype).reshape(shape).copy()

    def tensor(self, spec: Any) -> Any:
        import torch

        if not isinstance(spec, dict) or set(spec) != {"dtype", "shape", "requires_grad", "data"}:
            raise CheckpointError(f"bad tensor {spec!r}")
        dtype = getattr(torch, spec["dtype"], None) if isinstance(spec["dtype"], str) else None
        if not isinstance(dtype, torch.dtype):
            raise CheckpointError(f"bad tensor dtype {spec['dtype']!r}")
        shape = self.shape(spec)
        data = self.blob(spec["data"])
        itemsize = torch.empty((), dtype=dtype).element_size()
        if math.prod(shape) * itemsize != len(data):
            raise CheckpointError(f"tensor of shape {shape} and dtype {dtype} does not match its {len(data)} bytes")
        if len(data):
            t = torch.frombuffer(bytearray(data), dtype=torch.uint8).view(dtype).reshape(shape).clone()
        else:
            t = torch.empty(shape, dtype=dtype)
        if spec["requires_grad"] is True:
            t.requires_grad_(True)
        return t

    def value(self, x: Any) -> Any:
        if x is None or isinstance(x, (bool, int, float, str)):
            return x
        if isinstance(x, list):
            return [self.value(v) for v in x]
        if not isinstance(x, dict) or len(x) != 1:
            raise CheckpointError(f"bad value {str(x)[:80]}")
        ((tag, body),) = x.items()
        if tag in ("$dict", "$odict"):
            if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2 for p in body):
                raise CheckpointError(f"bad {tag}")
            out = OrderedDict() if tag == "$odict" else {}
            for k, v in body:
                key = self.value(k)
                try:
                    out[key] = self.value(v)
                except TypeError:
                    raise CheckpointError(f"unhashable key {key!r}") from None
            return out
        if tag == "$tuple" and isinstance(body, list):
            return tuple(self.value(v) for v in body)
        if tag == "$bytes":
            return bytes(self.blob(body))
        if tag == "$array":
            return self.array(body)
        if tag == "$scalar":
            a = self.array(body)
            if a.shape != ():
                raise CheckpointError("a numpy scalar must have shape ()")
            return a[()]
        if tag == "$tensor":
            return self.tensor(body)
        raise CheckpointError(f"unknown tag {tag!r}")


def decode(data: bytes) -> Any:
    """The state in a checkpoint file's bytes; :class:`CheckpointError` (without the file name) if bad."""
    if not data.startswith(MAGIC):
        if data[:1] == b"\x80":
            raise CheckpointError(
                "a pickle written by an older autocurriculum version; this version never unpickles checkpoints "
                "(they could run code): start the run again"
            )
        raise CheckpointError("not an autocurriculum checkpoint (wrong magic bytes)")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + _MAX_HEADER)
    if end < 0:
        raise CheckpointError("truncated or damaged header")
    try:
        header = json.loads(data[len(MAGIC) : end])
    except (ValueError, RecursionError):
        raise CheckpointError("damaged header") from None
    if not isinstance(header, dict) or not isinstance(header.get("format"), int):
        raise CheckpointError("damaged header")
    if header["format"] != CHECKPOINT_FORMAT:
        older = header["format"] < CHECKPOINT_FORMAT
        raise CheckpointError(
            f"checkpoint format {header['format']} was written by an {'older' if older else 'newer'} autocurriculum "
            f"(this version reads format {CHECKPOINT_FORMAT})"
        )
    payload = memoryview(data)[end + 1 :]
    n = header.get("json_bytes")
    if not isinstance(n, int) or not 0 <= n <= len(payload) or not isinstance(header.get("sha256"), str):
        raise CheckpointError("damaged header")
    if hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise CheckpointError("checksum mismatch (the file is cut or damaged)")
    try:
        tree = json.loads(bytes(payload[:n]))
        return _Decoder(payload[n:]).value(tree)
    except CheckpointError:
        raise
    except (ValueError, RecursionError, TypeError) as e:
        raise CheckpointError(f"damaged payload ({type(e).__name__})") from None
