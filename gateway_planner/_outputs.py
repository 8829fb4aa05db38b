"""Output folders: what a run may replace, and how its files are put in place.

Every run, comparison, sweep and demo writes its files into a staging folder beside the output
folder and puts them in place only when all are written. Each output folder holds a manifest,
``.gateway-planner.json``: the tool, its version and the files the run wrote, so that a later
run knows which files are its own. The rules:

- a folder that does not exist, is empty or holds only files of an earlier run is replaced whole
  (atomically: the old folder is swapped out and removed);
- files an earlier run did not write are never deleted: beside an earlier run's files (its
  manifest) they are kept and only the earlier run's files are replaced; in a folder without a
  manifest, the run is refused unless ``overwrite`` is given, and then only the files this run
  writes are replaced, file by file, and every other file is kept;
- a folder that holds the scenario file or any of its inputs, and a path that is a file, are
  always refused;
- folders created here follow the user's umask;
- staging folders left by a killed run (``.<name>.staging.*`` beside the output folder, no
  longer locked by a live run) are removed when the next run starts.

Outputs of 0.2.0 and earlier carry no manifest; a folder holding only the files those versions
wrote, with a ``summary.json`` of gateway-planner, counts as an earlier run's.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import shutil
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ._io import write_json
from ._version import __version__
from .errors import InputError

if sys.platform != "win32":  # a live run holds a lock on its staging folder
    import fcntl

__all__ = ["MANIFEST", "OVERWRITE_FIX", "check_output_folder", "output_folder"]

logger = logging.getLogger(__name__)

#: the manifest every output folder holds: tool, version and the files a run wrote
MANIFEST = ".gateway-planner.json"
#: how to write into a folder holding files gateway-planner did not write
OVERWRITE_FIX = (
    "choose a new or empty folder, or rerun with --overwrite (overwrite=True in Python) to "
    "replace only the files gateway-planner writes and keep every other file"
)
#: a staging folder older than this and not locked is a leftover of a killed run
_GRACE_S = 10.0
#: where locks are not available, a staging folder this old is a leftover
_STALE_S = 6 * 3600.0
#: the files 0.2.0 and earlier wrote (their folders carry no manifest)
_LEGACY_FILES = frozenset(
    {
        "briefing.pdf",
        "briefing.png",
        "catchments.gpkg",
        "comparison.csv",
        "comparison.gpkg",
        "comparison.html",
        "comparison_sites.csv",
        "map.html",
        "sites.csv",
        "summary.json",
        "tables.csv",
    }
)
_SHOWN = 3


@dataclass(frozen=True)
class _Contents:
    """What an existing output folder holds.

    Attributes
    ----------
    ours
        Files an earlier run wrote (relative POSIX paths): its manifest's, or every file of a
        folder of 0.2.0 and earlier.
    foreign
        Other files: every one under a folder with a manifest, the top-level entries of a
        folder without one.
    marked
        The folder carries a manifest (or is an earlier version's output folder).
    """

    ours: frozenset[str]
    foreign: tuple[str, ...]
    marked: bool


def _files(folder: Path) -> list[str]:
    """Every file under a folder (relative POSIX paths, sorted), the manifest left out."""
    out = [
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if not p.is_dir() or p.is_symlink()
    ]
    return sorted(f for f in out if f != MANIFEST)


def _manifest_files(folder: Path) -> frozenset[str] | None:
    """Return the files a manifest lists, or None when the folder has no readable manifest."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        files = data["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if data.get("written_by") != "gateway-planner" or not isinstance(files, list):
        return None
    return frozenset(str(f) for f in files)


def _legacy(folder: Path) -> frozenset[str] | None:
    """Return the files of a 0.2.0 output folder (only its file names, two levels), or None."""
    found: list[str] = []
    for entry in folder.iterdir():
        inner = list(entry.iterdir()) if entry.is_dir() and not entry.is_symlink() else [entry]
        for item in inner:
            if item.name not in _LEGACY_FILES or item.is_dir():
                return None
            found.append(item.relative_to(folder).as_posix())
    summaries = [folder / f for f in found if f.endswith("summary.json")]
    if not found or not all(_ours(s) for s in summaries) or not summaries:
        return None
    return frozenset(found)


def _ours(summary: Path) -> bool:
    try:
        data = json.loads(summary.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(data, dict) and "gateway_planner" in (data.get("software") or {})


def _contents(folder: Path) -> _Contents:
    listed = _manifest_files(folder)
    if listed is not None:
        files = _files(folder)
        return _Contents(
            frozenset(f for f in files if f in listed),
            tuple(f for f in files if f not in listed),
            marked=True,
        )
    legacy = _legacy(folder) if any(folder.iterdir()) else frozenset()
    if legacy is not None:
        return _Contents(legacy, (), marked=True)
    return _Contents(frozenset(), tuple(sorted(p.name for p in folder.iterdir())), marked=False)


def _listed(names: Iterable[str]) -> str:
    names = list(names)
    shown = ", ".join(names[:_SHOWN])
    return f"{shown} and {len(names) - _SHOWN} more" if len(names) > _SHOWN else shown


def _nearest_existing(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _probe(folder: Path, *, target: Path, field: str) -> None:
    """Raise unless a folder can be created in ``folder`` (the folder itself must be one)."""
    if not folder.is_dir():
        msg = f"cannot be created: {folder} is a file, not a folder"
        raise InputError(msg, file=target, field=field, fix="choose an output folder elsewhere")
    try:
        probe = _unique_dir(folder, f".{target.name}.probe.")
        probe.rmdir()
    except OSError as exc:
        msg = f"cannot be written: no permission to create files in {folder} ({exc.strerror})"
        raise InputError(
            msg,
            file=target,
            field=field,
            fix="choose a folder you can write to, or ask for write access to it",
        ) from None


def check_output_folder(
    target: str | os.PathLike[str],
    *,
    protected: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
    field: str = "output.folder",
    clean: bool = False,
) -> Path:
    """Refuse, before anything is computed, an output folder a run may not write.

    Parameters
    ----------
    target
        The output folder.
    protected
        Files the run reads (the scenario file and its inputs); a folder holding any of them
        is refused, ``overwrite`` or not.
    overwrite
        Allow a folder holding files gateway-planner did not write (only the files the run
        writes are then replaced).
    field
        The scenario key or option that names the folder, for messages.
    clean
        Remove the staging folders that runs stopped on their way left beside it (when a run
        starts; a check only, such as ``validate``, leaves them).

    Returns
    -------
    Path
        The folder, absolute.

    Raises
    ------
    InputError
        When the path is a file, holds an input, holds files gateway-planner did not write
        (without ``overwrite``), or cannot be created or written.
    """
    target = Path(target).resolve()
    if target.exists() and not target.is_dir():
        msg = "is a file, not a folder"
        raise InputError(
            msg, file=target, field=field, fix="name a folder (a new one is created), not a file"
        )
    inputs = sorted(p for p in (Path(f).resolve() for f in protected) if p.is_relative_to(target))
    if inputs:
        shown = _listed(str(p.relative_to(target)) or p.name for p in inputs)
        msg = f"holds the scenario or its inputs ({shown}); a run replaces its output folder"
        raise InputError(
            msg,
            file=target,
            field=field,
            fix="write the outputs to a folder of their own, e.g. outputs/<scenario name>",
        )
    if target.is_dir():
        contents = _contents(target)
        if not contents.marked and contents.foreign and not overwrite:
            msg = (
                f"holds files gateway-planner did not write ({_listed(contents.foreign)}); "
                "it would replace them"
            )
            raise InputError(msg, file=target, field=field, fix=OVERWRITE_FIX)
        _probe(target, target=target, field=field)
    _probe(_nearest_existing(target.parent), target=target, field=field)
    if clean:
        _remove_stale(target)
    return target


def _unique_dir(parent: Path, prefix: str) -> Path:
    """Create a new folder ``<prefix><random>`` in ``parent`` (mode from the user's umask)."""
    while True:
        path = parent / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return path


def _lock(folder: Path) -> int | None:
    """Take an exclusive lock on a folder: the open descriptor holding it, or None.

    None when another process holds it (or where locks are not available, on Windows).
    """
    if sys.platform == "win32":  # pragma: no cover
        return None
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _remove_stale(target: Path) -> None:
    """Remove staging and swap folders of ``target`` that no live run holds.

    A live run locks its staging folder; where locks are not available, a folder older than
    six hours is a leftover. Folders younger than a few seconds are left alone (a run may be
    between creating its staging folder and locking it).
    """
    if not target.parent.is_dir():
        return
    now = time.time()
    for kind in ("staging", "old"):
        for folder in sorted(target.parent.glob(f".{target.name}.{kind}.*")):
            try:
                age = now - folder.lstat().st_mtime
            except OSError:
                continue
            if not folder.is_dir() or folder.is_symlink() or age < _GRACE_S:
                continue
            if sys.platform == "win32":  # pragma: no cover
                if age > _STALE_S:
                    shutil.rmtree(folder, ignore_errors=True)
                continue
            held = _lock(folder)
            if held is None:
                continue
            logger.info("removing %s, left behind by a run that was stopped", folder)
            try:
                shutil.rmtree(folder, ignore_errors=True)
            finally:
                os.close(held)


def _write_manifest(stage: Path) -> None:
    write_json(
        stage / MANIFEST,
        {"files": _files(stage), "version": __version__, "written_by": "gateway-planner"},
    )


def _swap(stage: Path, target: Path) -> None:
    """Put ``stage`` in the place of ``target`` (absent, empty or an earlier run's)."""
    if not target.exists():
        stage.replace(target)
        return
    old = _unique_dir(target.parent, f".{target.name}.old.")
    old.rmdir()
    target.replace(old)
    stage.replace(target)
    shutil.rmtree(old, ignore_errors=True)


def _collisions(new: Iterable[str], target: Path, ours: frozenset[str]) -> list[str]:
    """Paths of ``target`` that are not an earlier run's and that new files would replace."""
    hit: set[str] = set()
    for name in new:
        parts = name.split("/")
        for depth in range(1, len(parts)):
            prefix = "/".join(parts[:depth])
            path = target / prefix
            if path.exists() and not path.is_dir():
                hit.add(prefix)
        path = target / name
        if (path.exists() or path.is_symlink()) and (name not in ours or path.is_dir()):
            hit.add(name)
    return sorted(hit)


def _merge(stage: Path, target: Path, *, ours: frozenset[str], collide: list[str]) -> None:
    """Replace the earlier run's files and the colliding ones file by file; keep the others."""
    new = _files(stage)
    holder = _unique_dir(target.parent, f".{target.name}.old.")
    for name in sorted({*ours, *collide}):
        path = target / name
        if path.exists() or path.is_symlink():
            moved = holder / name
            moved.parent.mkdir(parents=True, exist_ok=True)
            path.replace(moved)
    for name in [*new, MANIFEST]:
        dest = target / name
        dest.parent.mkdir(parents=True, exist_ok=True)
        (stage / name).replace(dest)
    for name in sorted(ours, key=lambda n: -n.count("/")):  # folders emptied of our files
        parent = (target / name).parent
        while parent != target and parent.is_dir() and not any(parent.iterdir()):
            parent.rmdir()
            parent = parent.parent
    shutil.rmtree(holder, ignore_errors=True)
    shutil.rmtree(stage, ignore_errors=True)


def _place(stage: Path, target: Path, *, overwrite: bool, field: str) -> None:
    if not target.exists():
        _swap(stage, target)
        return
    contents = _contents(target)
    if contents.marked and not contents.foreign:
        _swap(stage, target)
        return
    if not contents.marked and not overwrite:
        msg = f"holds files gateway-planner did not write ({_listed(contents.foreign)})"
        raise InputError(msg, file=target, field=field, fix=OVERWRITE_FIX)
    collide = _collisions(_files(stage), target, contents.ours)
    if collide and not overwrite:
        msg = f"holds files gateway-planner did not write that a run would replace ({_listed(collide)})"
        raise InputError(msg, file=target, field=field, fix=OVERWRITE_FIX)
    kept = [f for f in (contents.foreign if contents.marked else ()) if f not in collide]
    _merge(stage, target, ours=contents.ours, collide=collide)
    if kept:
        logger.info("kept %d files gateway-planner did not write in %s", len(kept), target)


@contextlib.contextmanager
def output_folder(
    target: str | os.PathLike[str],
    *,
    protected: Iterable[str | os.PathLike[str]] = (),
    overwrite: bool = False,
    field: str = "output.folder",
) -> Iterator[Path]:
    """Stage a run's outputs and put them in place when the block succeeds.

    Parameters
    ----------
    target
        The output folder.
    protected, overwrite, field
        As in :func:`check_output_folder` (checked again here, before the staging folder is
        made).

    Yields
    ------
    Path
        An empty staging folder beside ``target``, locked while the block runs; the manifest
        is added to it at the end.

    Raises
    ------
    InputError
        For a folder the run may not write (see :func:`check_output_folder`).
    """
    protected = list(protected)
    target = check_output_folder(
        target, protected=protected, overwrite=overwrite, field=field, clean=True
    )
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = _unique_dir(target.parent, f".{target.name}.staging.")
    lock = _lock(stage)
    try:
        yield stage
        _write_manifest(stage)
        _place(stage, target, overwrite=overwrite, field=field)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
        if lock is not None:
            os.close(lock)
