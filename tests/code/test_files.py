"""Nothing is half-written: atomic writes leave the previous file intact when a write fails."""

from __future__ import annotations

import json

import pytest

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
