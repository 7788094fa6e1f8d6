"""Nothing is half-written: atomic writes leave the previous file intact when a write fails."""

from __future__ import annotations

import json

import pytest

from heartnet import cli
from heartnet.files import write_atomically


def test_a_failed_write_leaves_the_previous_report_intact(tmp_path):
    report = tmp_path / "quality.json"
    report.write_text('{"old": true}')

    def half_then_fail(temporary):
        temporary.write_text('{"new": ')
        raise KeyboardInterrupt  # even an interrupt, not only an exception

    with pytest.raises(KeyboardInterrupt):
        write_atomically(report, half_then_fail)
    assert json.loads(report.read_text()) == {"old": True}
    assert [p.name for p in tmp_path.iterdir()] == ["quality.json"]


def test_a_successful_write_replaces_the_file(tmp_path):
    target = tmp_path / "new" / "file.txt"
    write_atomically(target, lambda temporary: temporary.write_text("done"))
    assert target.read_text() == "done" and [p.name for p in target.parent.iterdir()] == ["file.txt"]


def test_cli_exits_2_on_a_corrupt_model_and_on_a_tampered_cache(capsys, tmp_path, monkeypatch, patient):
    model = tmp_path / "broken.keras"
    model.write_bytes(b"PK\x03\x04 not really a zip")
    model.with_suffix(".json").write_text(json.dumps({"features": [], "threshold": 0.5}))
    assert cli.main(["predict", json.dumps(patient), "--model", str(model)]) == 2
    assert "different feature spec" in capsys.readouterr().err

    cache = tmp_path / "heart.csv"
    cache.write_text("Age,Sex\n40,M\n")
    monkeypatch.setenv("HEARTNET_DATA_CACHE", str(cache))
    assert cli.main(["data"]) == 2
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and "delete the file" in err and len(err.strip().splitlines()) == 1
