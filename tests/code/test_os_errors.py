"""A path the system refuses is the user's to fix: one line naming it, exit 2, nothing half-written, nothing lost."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

import heartnet
from heartnet import cli

# Each command that writes a file, with the place of the path it writes: {out} is replaced by it.
WRITERS = {
    "train": ["train", "--out", "{out}.keras"],
    "score": ["score", "{input}", "{out}.csv", "--model", "{model}"],
    "score --rejects": ["score", "{input}", "{folder}/scores.csv", "--rejects", "{out}.csv", "--model", "{model}"],
    "recalibrate": ["recalibrate", "{labelled}", "--out", "{out}.keras", "--model", "{model}"],
    "export": ["export", "{out}", "--model", "{model}"],
}
needs_sys = pytest.mark.skipif(not os.access("/sys", os.F_OK), reason="needs Linux's /sys")
needs_dev_full = pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")


@pytest.fixture
def files(tmp_path, dataset, trained_path):
    """An input CSV of patients and a labelled one, in a folder of their own (to see what else appears)."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    dataset.head(120).to_csv(inputs / "labelled.csv", index=False)
    dataset[list(heartnet.FEATURE_NAMES)].head(40).to_csv(inputs / "patients.csv", index=False)
    return {"input": str(inputs / "patients.csv"), "labelled": str(inputs / "labelled.csv"), "model": trained_path}


def _argv(command: str, out: str, files: dict, folder: Path) -> list[str]:
    values = {**files, "out": out, "folder": str(folder)}
    return [part.format(**values) for part in WRITERS[command]]


def _one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    [line] = [line for line in err.splitlines() if not line.startswith("heartnet: warning:")]
    assert "Traceback" not in err
    return line


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_under_a_file_has_no_such_folder(tmp_path, files, capsys, command):
    notes = tmp_path / "notes.txt"
    notes.write_text("mine", encoding="utf-8")
    out = notes / "results" / "new"
    assert cli.main(_argv(command, str(out), files, tmp_path)) == 2
    line = _one_error_line(capsys)
    assert line.startswith("heartnet: error: ") and os.path.join("notes.txt", "results", "new") in line
    assert line.endswith("no such folder (" + cli.display(notes) + " is not a folder)")
    assert notes.read_text(encoding="utf-8") == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["inputs", "notes.txt"]


@needs_sys
@pytest.mark.parametrize("command", WRITERS)
def test_a_folder_the_system_keeps_is_permission_denied(tmp_path, files, capsys, command):
    """/sys refuses new files even to root, for whom a folder without write permission is no obstacle."""
    assert cli.main(_argv(command, "/sys/heartnet-new", files, tmp_path)) == 2
    line = _one_error_line(capsys)
    assert line.startswith("heartnet: error: /sys/heartnet-new") and line.endswith(": permission denied")
    assert [p.name for p in tmp_path.iterdir()] == ["inputs"]


@pytest.mark.skipif(
    sys.platform == "win32",
    reason="Windows ignores a folder's permission bits (chmod sets a file's read-only flag only)",
)
def test_a_read_only_folder_keeps_the_previous_results(tmp_path, files, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    (folder / "scores.csv").write_text("previous results\n", encoding="utf-8")
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("this user writes into read-only folders (root): see the tests under /sys")
        assert cli.main(_argv("score", str(folder / "scores"), files, tmp_path)) == 2
        assert _one_error_line(capsys).endswith("locked/scores.csv: permission denied")
        assert [p.name for p in folder.iterdir()] == ["scores.csv"]
        assert (folder / "scores.csv").read_text(encoding="utf-8") == "previous results\n"
    finally:
        folder.chmod(0o700)


def test_an_input_under_a_file_is_one_line(tmp_path, trained_path, capsys):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    argv = ["score", str(tmp_path / "notes.txt" / "in.csv"), str(tmp_path / "out.csv"), "--model", str(trained_path)]
    assert cli.main(argv) == 2
    # Windows reports a path under a file as not found (ENOENT), POSIX as not a directory (ENOTDIR)
    problem = "no such file or folder" if sys.platform == "win32" else "no such folder"
    assert _one_error_line(capsys).endswith(f"{os.path.join('notes.txt', 'in.csv')}: {problem}")
    assert not (tmp_path / "out.csv").exists()


def test_train_says_where_it_cannot_write_before_training(tmp_path, capsys, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained although the model could not be saved")

    monkeypatch.setattr("heartnet.training.train_and_save", no_training)
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli.main(["train", "--out", str(tmp_path / "notes.txt" / "model.keras")]) == 2
    notes = cli.display(tmp_path / "notes.txt")
    written = os.path.join("notes.txt", "model.keras")
    assert _one_error_line(capsys).endswith(f"{written}: no such folder ({notes} is not a folder)")
    assert cli.main(["train", "--out", str(tmp_path / "model.h5")]) == 2
    assert _one_error_line(capsys).endswith(f"--out must end in .keras, got {cli.display(tmp_path / 'model.h5')}")


# --- real processes: the exit code and what reaches the terminal are the point ---


# The console script a user runs, where pip put it (a venv's bin or Scripts).
HEARTNET = os.path.join(sysconfig.get_path("scripts"), "heartnet")


def _heartnet(*argv: str, **options) -> subprocess.CompletedProcess:
    return subprocess.run([HEARTNET, *argv], timeout=180, check=False, **options)


def _limit_file_size(limit: int):
    import resource  # POSIX only

    def limit_in_child() -> None:  # a write past the limit fails with EFBIG, as on a full disk with ENOSPC
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return limit_in_child


@pytest.mark.slow
@pytest.mark.skipif(
    sys.platform == "win32", reason="needs a file-size limit set in the child (setrlimit, preexec_fn): POSIX only"
)
def test_a_write_that_fails_halfway_leaves_the_previous_output_and_no_temporary_file(tmp_path, files):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "scores.csv").write_text("previous results\n", encoding="utf-8")
    result = _heartnet(
        "score", files["input"], str(folder / "scores.csv"), "--model", str(files["model"]), "--chunk-size", "10",
        capture_output=True, text=True, preexec_fn=_limit_file_size(2_000),
    )  # fmt: skip
    assert result.returncode == 2, result.stderr
    assert result.stderr.endswith("scores.csv: the file is too large for the file system\n")
    assert len(result.stderr.splitlines()) == 1 and "Traceback" not in result.stderr
    assert [p.name for p in folder.iterdir()] == ["scores.csv"]
    assert (folder / "scores.csv").read_text(encoding="utf-8") == "previous results\n"


@pytest.mark.slow
@needs_dev_full
def test_evaluate_json_into_a_full_device_is_one_line_and_exit_2(trained_path):
    with open("/dev/full", "w") as full:
        result = _heartnet("evaluate", "--json", "--model", str(trained_path), stdout=full, stderr=subprocess.PIPE)
    err = result.stderr.decode()
    assert result.returncode == 2
    assert err.splitlines()[-1] == "heartnet: error: standard output: no space left on the device"
    assert "Traceback" not in err and "Exception ignored" not in err


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="Windows reports a write to a closed pipe as EINVAL, not EPIPE")
def test_evaluate_json_into_a_closed_pipe_is_one_line_and_exit_2(trained_path):
    process = subprocess.Popen(
        [HEARTNET, "evaluate", "--json", "--model", str(trained_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # the reader is gone before anything is printed
    err = process.stderr.read().decode()
    assert process.wait(timeout=180) == 2
    assert err.splitlines()[-1] == "heartnet: error: standard output: the program reading it closed the pipe"
    assert "Traceback" not in err and "Exception ignored" not in err
