"""What git tracks: source and documents as text, a few listed images, and nothing binary (no wheel, no model)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IMAGES = {"docs/app.png"}  # the only binary files the repository may hold: figures its documents show


def _tracked() -> list[str]:
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout")
    return [name for name in listed.stdout.decode().split("\0") if name]


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def test_every_tracked_file_is_text_or_a_listed_image():
    binary = [name for name in _tracked() if name not in IMAGES and not _is_text((ROOT / name).read_bytes())]
    assert not binary, f"binary files are tracked (install packages by pinned name; build models): {binary}"
