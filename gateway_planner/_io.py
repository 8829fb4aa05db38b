"""Atomic, deterministic writing used by every writer in the package.

Outputs are written to a temporary path in the target folder and moved into place with
:func:`os.replace`, so a failed run never leaves a half-written file. Whole output folders are
staged and put in place by :mod:`gateway_planner._outputs`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

__all__ = [
    "atomic_path",
    "file_digest",
    "json_dumps",
    "write_bytes",
    "write_json",
    "write_text",
]

FLOAT_DIGITS = 6


def _normalise(value: Any) -> Any:
    """Turn numpy scalars, paths, tuples and floats into stable JSON values."""
    if isinstance(value, Mapping):
        return {str(k): _normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalise(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_normalise(v) for v in value.tolist()]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if math.isnan(x):
            return None
        if math.isinf(x):
            return "inf" if x > 0 else "-inf"
        x = round(x, FLOAT_DIGITS)
        return 0.0 if x == 0 else x
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def json_dumps(data: Any) -> str:
    """Serialise to JSON deterministically (sorted keys, rounded floats, trailing newline).

    Parameters
    ----------
    data
        Mappings, sequences, numbers (numpy included), strings and paths.

    Returns
    -------
    str
        The JSON text.
    """
    return json.dumps(_normalise(data), sort_keys=True, indent=2, ensure_ascii=False) + "\n"


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; move it into place only on success.

    Parameters
    ----------
    target
        Final path of the file.

    Yields
    ------
    Path
        A path in the same folder to write to. Removed if the block raises.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=target.suffix, dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # writers such as GDAL refuse to overwrite; let them create it
    try:
        yield tmp
        tmp.replace(target)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_bytes(target: str | os.PathLike[str], data: bytes) -> Path:
    """Write bytes atomically and return the final path."""
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
    return Path(target)


def write_text(target: str | os.PathLike[str], text: str) -> Path:
    r"""Write UTF-8 text atomically (``\n`` line endings) and return the final path."""
    return write_bytes(target, text.encode("utf-8"))


def write_json(target: str | os.PathLike[str], data: Any) -> Path:
    """Write deterministic JSON (see :func:`json_dumps`) atomically."""
    return write_text(target, json_dumps(data))


def file_digest(path: str | os.PathLike[str], *, algorithm: str = "sha256") -> str:
    """Return ``"<algorithm>:<hex>"`` of a file's bytes, read in chunks."""
    h = hashlib.new(algorithm)
    with Path(path).open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return f"{algorithm}:{h.hexdigest()}"


def write_with(target: str | os.PathLike[str], writer: Callable[[Path], None]) -> Path:
    """Call ``writer(tmp_path)`` and move the result to ``target`` atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
    return Path(target)


__all__ += ["write_with"]
