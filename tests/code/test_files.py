"""Nothing is half-written: atomic writes leave the previous file intact when a write fails, and name the file."""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import pytest

from heartnet.errors import FileSystemError
from heartnet.files import atomic_paths, check_writable, write_atomically


def test_a_failed_write_leaves_the_previous_report_intact(tmp_path):
    report = tmp_path / "quality.json"
    report.write_text('{"old": true}', encoding="utf-8")

    def half_then_fail(temporary):
        temporary.write_text('{"new": ', encoding="utf-8")
        raise KeyboardInterrupt  # even an interrupt, not only an exception

    with pytest.raises(KeyboardInterrupt):
        write_atomically(report, half_then_fail)
    assert json.loads(report.read_text(encoding="utf-8")) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["quality.json"]


def test_a_successful_write_replaces_the_file(tmp_path):
    target = tmp_path / "new" / "file.txt"
    write_atomically(target, lambda temporary: temporary.write_text("done", encoding="utf-8"))
    assert target.read_text(encoding="utf-8") == "done" and [p.name for p in target.parent.iterdir()] == ["file.txt"]


def _fill_the_disk(temporary):
    """Write as to a full disk: /dev/full takes the bytes and refuses them on flush (ENOSPC)."""
    temporary.write_text("half", encoding="utf-8")
    with open("/dev/full", "wb") as full:
        full.write(b"x" * 10)


needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
SEP = re.escape(os.sep)  # messages name paths with the platform's separator


@needs_dev_full
def test_a_full_disk_is_named_and_leaves_the_previous_file_intact(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("previous", encoding="utf-8")
    with pytest.raises(FileSystemError, match=r"scores\.csv: no space left on the device$") as caught:
        write_atomically(target, _fill_the_disk)
    assert (caught.value.problem, Path(caught.value.name)) == ("disk_full", target)
    assert target.read_text(encoding="utf-8") == "previous" and [p.name for p in tmp_path.iterdir()] == ["scores.csv"]


def test_a_path_under_a_file_has_no_such_folder(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    with pytest.raises(
        FileSystemError, match=rf"notes\.txt{SEP}out{SEP}scores\.csv: no such folder \(.*notes\.txt is not"
    ):
        write_atomically(notes / "out" / "scores.csv", lambda temporary: temporary.write_text("new", encoding="utf-8"))
    assert notes.read_text(encoding="utf-8") == "mine" and [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


@pytest.mark.skipif(sys.platform == "win32", reason="Windows refuses to replace a folder as access denied, not EISDIR")
def test_a_target_that_is_a_folder_is_named(tmp_path):
    (tmp_path / "scores.csv").mkdir()
    with pytest.raises(FileSystemError, match=r"scores\.csv: is a folder$"):
        write_atomically(tmp_path / "scores.csv", lambda temporary: temporary.write_text("new", encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"] and (tmp_path / "scores.csv").is_dir()


@pytest.mark.skipif(sys.platform == "win32", reason="no FIFOs, symlinks need privileges, modes are a read-only flag")
def test_a_device_or_pipe_is_refused_a_symlink_written_through_and_modes_kept(tmp_path):
    pipe = tmp_path / "scores.csv"
    os.mkfifo(pipe)  # like /dev/full for root: replacing it would destroy it
    with pytest.raises(FileSystemError, match=r"scores\.csv: is not a regular file") as caught:
        write_atomically(pipe, lambda temporary: temporary.write_text("new", encoding="utf-8"))
    assert caught.value.problem == "not_a_file" and pipe.is_fifo() and os.listdir(tmp_path) == ["scores.csv"]

    real, link = tmp_path / "real.csv", tmp_path / "link.csv"
    real.write_text("old", encoding="utf-8")
    real.chmod(0o640)
    link.symlink_to(real)
    write_atomically(link, lambda temporary: temporary.write_text("new", encoding="utf-8"))
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert real.stat().st_mode & 0o777 == 0o640  # the replaced file's mode, not the temporary file's 0600

    fresh = tmp_path / "fresh.csv"
    umask = os.umask(0o022)
    try:
        write_atomically(fresh, lambda temporary: temporary.write_text("new", encoding="utf-8"))
    finally:
        os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o644  # what any program makes under umask 022


def _read_only_folder(tmp_path) -> Path:
    if sys.platform == "win32":
        pytest.skip("Windows ignores a folder's permission bits (chmod sets a file's read-only flag only)")
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "probe").touch()
    except PermissionError:
        return folder
    (folder / "probe").unlink()
    folder.chmod(0o700)
    pytest.skip("this user writes into read-only folders (root): see the test under /sys")


def test_a_read_only_folder_is_permission_denied(tmp_path):
    folder = _read_only_folder(tmp_path)
    try:
        with pytest.raises(FileSystemError, match=r"locked/scores\.csv: permission denied$"):
            write_atomically(folder / "scores.csv", lambda temporary: temporary.write_text("new", encoding="utf-8"))
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


@pytest.mark.skipif(not os.access("/sys", os.F_OK), reason="needs Linux's /sys")
def test_a_folder_the_system_keeps_is_permission_denied_even_for_root():
    with pytest.raises(FileSystemError, match=r"^/sys/heartnet-scores\.csv: permission denied$") as caught:
        write_atomically(
            Path("/sys/heartnet-scores.csv"), lambda temporary: temporary.write_text("new", encoding="utf-8")
        )
    assert caught.value.problem == "permission_denied"


@needs_dev_full
def test_folders_made_for_a_write_that_fails_are_removed(tmp_path):
    with pytest.raises(FileSystemError):
        write_atomically(tmp_path / "new" / "deeper" / "scores.csv", _fill_the_disk)
    assert list(tmp_path.iterdir()) == []


def test_errors_about_other_files_pass_unchanged(tmp_path):
    def read_a_missing_input(temporary):
        (tmp_path / "missing.csv").read_text(encoding="utf-8")

    with pytest.raises(FileNotFoundError, match=r"missing\.csv"):
        write_atomically(tmp_path / "scores.csv", read_a_missing_input)
    assert list(tmp_path.iterdir()) == []


def test_files_written_together_are_replaced_together_or_not_at_all(tmp_path):
    first, second = tmp_path / "scores.csv", tmp_path / "rejects.csv"
    first.write_text("old scores", encoding="utf-8")
    with pytest.raises(RuntimeError), atomic_paths(first, second) as (one, two):
        one.write_text("new scores", encoding="utf-8")
        two.write_text("new rej", encoding="utf-8")
        raise RuntimeError("interrupted before the end")
    assert first.read_text(encoding="utf-8") == "old scores" and sorted(p.name for p in tmp_path.iterdir()) == [
        "scores.csv"
    ]
    with atomic_paths(first, second) as (one, two):
        one.write_text("new scores", encoding="utf-8")
        two.write_text("new rejects", encoding="utf-8")
    assert (first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")) == ("new scores", "new rejects")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rejects.csv", "scores.csv"]


def test_check_writable_says_so_before_the_work_and_leaves_nothing(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(FileSystemError, match="no such folder"):
        check_writable(tmp_path / "notes.txt" / "model.keras")
    check_writable(tmp_path / "new" / "model.keras")
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]


def test_a_model_and_its_metadata_are_replaced_together_or_not_at_all(tmp_path, trained_path, model):
    import heartnet

    path = tmp_path / "heartnet.keras"
    shutil.copyfile(trained_path, path)
    shutil.copyfile(trained_path.with_suffix(".json"), path.with_suffix(".json"))
    before = path.read_bytes(), path.with_suffix(".json").read_bytes()
    with pytest.raises(TypeError, match="not JSON-serializable"):  # the model is written, then its metadata fails
        heartnet.save_model(model, path, metadata={"note": object()})
    assert (path.read_bytes(), path.with_suffix(".json").read_bytes()) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["heartnet.json", "heartnet.keras"]
    heartnet.load(path)  # still a pair whose checksum matches
