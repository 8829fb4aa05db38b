"""Output folders: replaced only when new, empty or an earlier run's; nothing else is ever lost."""

import json
import os
import time
from pathlib import Path

import pytest

from gateway_planner import __version__
from gateway_planner._io import write_json, write_text
from gateway_planner._outputs import MANIFEST, check_output_folder, output_folder
from gateway_planner.errors import InputError


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under a folder, by relative path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write_run(target: Path, files: dict[str, str], **options) -> None:
    with output_folder(target, **options) as stage:
        for name, text in files.items():
            write_text(stage / name, text)


def test_a_folder_is_put_in_place_only_when_every_file_is_written(tmp_path):
    target = tmp_path / "run"
    write_run(target, {"a.json": "{}", "sub/b.csv": "x\n"})
    assert sorted(tree(target)) == [MANIFEST, "a.json", "sub/b.csv"]
    manifest = json.loads((target / MANIFEST).read_text())
    assert manifest == {
        "files": ["a.json", "sub/b.csv"],
        "version": __version__,
        "written_by": "gateway-planner",
    }
    before = tree(target)
    with pytest.raises(ValueError, match="fails halfway"), output_folder(target) as stage:
        write_json(stage / "c.json", {})
        raise ValueError("fails halfway")
    assert tree(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]
    # an earlier run's folder is replaced whole: its files that are not written again go
    write_run(target, {"c.txt": "new"})
    assert sorted(tree(target)) == [MANIFEST, "c.txt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_the_same_files_give_the_same_manifest(tmp_path):
    write_run(tmp_path / "a", {"x.txt": "1", "y/z.txt": "2"})
    write_run(tmp_path / "b", {"y/z.txt": "2", "x.txt": "1"})
    assert (tmp_path / "a" / MANIFEST).read_bytes() == (tmp_path / "b" / MANIFEST).read_bytes()


def test_a_folder_of_other_files_is_refused_and_left_as_it_was(tmp_path):
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    (target / "map.html").write_text("my own map")
    before = tree(target)
    with pytest.raises(
        InputError,
        match=r"mine: output\.folder: holds files gateway-planner did not write \(map\.html, "
        r"notes\.txt\).*Fix: choose a new or empty folder, or rerun with --overwrite",
    ):
        check_output_folder(target)
    with pytest.raises(InputError, match="did not write"), output_folder(target):
        pass
    assert tree(target) == before


def test_overwrite_replaces_only_the_files_the_run_writes(tmp_path):
    target = tmp_path / "mine"
    (target / "data").mkdir(parents=True)
    (target / "notes.txt").write_text("keep me")
    (target / "data" / "own.csv").write_text("keep me too")
    (target / "map.html").write_text("my own map")
    write_run(target, {"map.html": "new map", "summary.json": "{}"}, overwrite=True)
    assert tree(target) == {
        MANIFEST: (target / MANIFEST).read_bytes(),
        "data/own.csv": b"keep me too",
        "map.html": b"new map",
        "notes.txt": b"keep me",
        "summary.json": b"{}",
    }
    assert json.loads((target / MANIFEST).read_text())["files"] == ["map.html", "summary.json"]
    # the next run replaces its own files and keeps the others, without --overwrite
    write_run(target, {"tables.csv": "t\n"})
    assert sorted(tree(target)) == [MANIFEST, "data/own.csv", "notes.txt", "tables.csv"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine"]


def test_files_added_to_an_earlier_run_are_kept_unless_a_new_file_would_replace_them(tmp_path):
    target = tmp_path / "run"
    write_run(target, {"map.html": "1", "cmp/summary.json": "{}"})
    (target / "cmp" / "notes.txt").write_text("mine")
    (target / "report.docx").write_bytes(b"mine")
    write_run(target, {"map.html": "2", "cmp/summary.json": "{}"})
    assert tree(target)["cmp/notes.txt"] == b"mine" and tree(target)["map.html"] == b"2"
    assert tree(target)["report.docx"] == b"mine"
    before = tree(target)
    with pytest.raises(InputError, match=r"would replace \(report\.docx\)"):
        write_run(target, {"report.docx": "generated"})
    assert tree(target) == before
    write_run(target, {"report.docx": "generated"}, overwrite=True)
    assert tree(target)["report.docx"] == b"generated" and "cmp/notes.txt" in tree(target)
    assert "map.html" not in tree(target)  # the earlier run's file, not written again


def test_a_folder_holding_the_inputs_is_refused_even_with_overwrite(tmp_path):
    scenario = tmp_path / "s.toml"
    scenario.write_text("name = 's'")
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sites.csv").write_text("x")
    for folder in (tmp_path, tmp_path / "data"):
        with pytest.raises(
            InputError,
            match=r"output\.folder: holds the scenario or its inputs \(.*\); a run replaces its "
            r"output folder\. Fix: write the outputs to a folder of their own",
        ):
            check_output_folder(
                folder, protected=[scenario, tmp_path / "data" / "sites.csv"], overwrite=True
            )
    assert sorted(tree(tmp_path)) == ["data/sites.csv", "s.toml"]


def test_a_path_that_is_a_file_is_refused(tmp_path):
    path = tmp_path / "out"
    path.write_text("a file")
    with pytest.raises(InputError, match=r"out: --output: is a file, not a folder"):
        check_output_folder(path, overwrite=True, field="--output")
    with pytest.raises(InputError, match=r"cannot be created: .*out is a file"):
        check_output_folder(path / "inner")
    assert path.read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_folder_that_cannot_be_written_is_refused_before_anything_is_made(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    mkdir = os.mkdir

    def refuse(path, *args, **kwargs):
        if Path(path).is_relative_to(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return mkdir(path, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", refuse)
    for target in (locked / "out", locked / "deeper" / "out"):
        with pytest.raises(
            InputError, match=r"cannot be written: no permission to create files in .*locked"
        ):
            check_output_folder(target)
    assert list(locked.iterdir()) == []


def test_staging_left_by_a_killed_run_is_removed_by_the_next_run(tmp_path):
    target = tmp_path / "out"
    stale = tmp_path / ".out.staging.dead1234"
    (stale / "sub").mkdir(parents=True)
    (stale / "sub" / "map.html").write_text("half written")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    live = tmp_path / ".out.staging.live5678"
    live.mkdir()
    os.utime(live, (old, old))
    other = tmp_path / ".other.staging.abcd"  # another folder's: not ours to judge
    other.mkdir()
    os.utime(other, (old, old))
    fcntl = pytest.importorskip("fcntl")
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # a live run holds it
        write_run(target, {"a.txt": "1"})
    finally:
        os.close(fd)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".other.staging.abcd",
        ".out.staging.live5678",
        "out",
    ]


def test_folders_follow_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        write_run(tmp_path / "a" / "run", {"sub/x.txt": "1"})
    finally:
        os.umask(previous)
    for folder in (tmp_path / "a", tmp_path / "a" / "run", tmp_path / "a" / "run" / "sub"):
        assert folder.stat().st_mode & 0o777 == 0o755


def test_an_output_folder_of_an_earlier_version_counts_as_a_run(tmp_path):
    target = tmp_path / "demo"
    (target / "sheerness").mkdir(parents=True)
    (target / "sheerness" / "summary.json").write_text('{"software": {"gateway_planner": "0.1.0"}}')
    (target / "sheerness" / "map.html").write_text("old")
    (target / "comparison.csv").write_text("old")
    write_run(target, {"comparison.csv": "new"})
    assert sorted(tree(target)) == [MANIFEST, "comparison.csv"]
    # not when it holds anything else, or a summary.json of another tool
    (target / MANIFEST).unlink()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="did not write"):
        check_output_folder(target)
    (target / "notes.txt").unlink()
    (target / "summary.json").write_text("{}")
    with pytest.raises(InputError, match="did not write"):
        check_output_folder(target)
