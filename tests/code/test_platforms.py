"""requirements.txt installs on the machines students have: Linux x86-64, macOS on Apple silicon, Windows x86-64.

One file serves the three, with environment markers where a platform needs another
package (``tensorflow-cpu`` exists only for Linux on x86-64). The quick tests read
the file; the one marked ``pins`` asks pip to resolve it for each platform, as a student's
``pip install -r requirements.txt`` would there, without installing anything. It needs the
package index, so ``make test`` leaves it out: ``make pins`` runs it, and so does CI when
requirements.txt changes (.github/workflows/pins.yml).

pip's ``--platform`` chooses the wheels of the target but evaluates markers for the
machine pip runs on. So the test evaluates the file's markers for each target
itself, hands pip the requirements that apply there, and then walks the
dependencies pip reports (each package's metadata from the target's own wheel),
evaluating their markers for the target too: a dependency that only Windows or
macOS needs (colorama, appnope) must be pinned for it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "3.11"  # pip reads it as 3.11.0: the file must install on any 3.11 (Debian 12 has 3.11.2)
# What comes with `python -m venv` on Python 3.11 rather than from requirements.txt (TensorFlow requires it).
FROM_THE_VENV = {"setuptools"}


@dataclass(frozen=True)
class Platform:
    name: str
    tags: tuple[str, ...]  # pip's --platform values: the wheels that install there
    markers: dict[str, str]  # what `packaging.markers` sees on that machine


PLATFORMS = (
    # glibc 2.28 or newer (Ubuntu 20.04, Debian 10 and later); pip takes each manylinux tag literally.
    Platform(
        "linux-x86_64",
        (*(f"manylinux_2_{minor}_x86_64" for minor in range(28, 16, -1)), "manylinux2014_x86_64"),
        {"sys_platform": "linux", "platform_system": "Linux", "platform_machine": "x86_64", "os_name": "posix"},
    ),
    # macOS 14 or newer on Apple silicon; pip adds the older macOS versions and universal2 by itself.
    Platform(
        "macos-arm64",
        ("macosx_14_0_arm64",),
        {"sys_platform": "darwin", "platform_system": "Darwin", "platform_machine": "arm64", "os_name": "posix"},
    ),
    Platform(
        "windows-x86_64",
        ("win_amd64",),
        {"sys_platform": "win32", "platform_system": "Windows", "platform_machine": "AMD64", "os_name": "nt"},
    ),
)
IDS = [platform.name for platform in PLATFORMS]


def environment(platform: Platform, extra: str = "") -> dict[str, str]:
    """The marker variables of CPython 3.11 on ``platform`` (what pip would evaluate on that machine)."""
    return {
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": PYTHON,
        "python_full_version": f"{PYTHON}.0",
        "implementation_version": f"{PYTHON}.0",
        "platform_release": "",
        "platform_version": "",
        **platform.markers,
        "extra": extra,
    }


def applies(requirement: Requirement, platform: Platform, extra: str = "") -> bool:
    return requirement.marker is None or requirement.marker.evaluate(environment(platform, extra))


def pinned_lines(path: Path = ROOT / "requirements.txt") -> list[Requirement]:
    """The requirements in the file, comments dropped."""
    lines = (line.split("#", 1)[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line]


def pins_for(platform: Platform, requirements: list[Requirement] | None = None) -> dict[str, str]:
    """name -> exact version, for the requirements whose markers hold on ``platform``."""
    pins = {}
    for requirement in pinned_lines() if requirements is None else requirements:
        if applies(requirement, platform):
            name = canonicalize_name(requirement.name)
            assert name not in pins, f"{requirement.name} is pinned twice for {platform.name}"
            [spec] = requirement.specifier
            pins[name] = spec.version
    return pins


# --- the file itself (quick) ---


def test_every_line_pins_one_exact_version_without_extras():
    for requirement in pinned_lines():
        specs = list(requirement.specifier)
        assert len(specs) == 1 and specs[0].operator == "==", f"{requirement} is not an exact pin"
        assert "*" not in specs[0].version and not requirement.extras and not requirement.url, str(requirement)


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_each_platform_gets_exactly_one_tensorflow_with_no_name_pinned_twice(platform):
    pins = pins_for(platform)  # asserts that no two lines pin one name there
    tensorflows = {name for name in pins if name in ("tensorflow", "tensorflow-cpu")}
    assert tensorflows == ({"tensorflow-cpu"} if platform.name == "linux-x86_64" else {"tensorflow"})
    assert pins[next(iter(tensorflows))] == pins_for(PLATFORMS[0])["tensorflow-cpu"]  # one version everywhere


def test_linux_on_arm_gets_tensorflow_not_the_x86_only_tensorflow_cpu():
    arm = Platform("linux-aarch64", (), {**PLATFORMS[0].markers, "platform_machine": "aarch64"})
    assert "tensorflow" in pins_for(arm) and "tensorflow-cpu" not in pins_for(arm)


def test_the_check_sees_a_marker_for_the_target_not_for_this_machine():
    """The helper the pins test relies on: a Windows-only line applies to Windows alone, wherever the test runs."""
    line = [Requirement('colorama==0.4.6 ; sys_platform == "win32"')]
    assert [bool(pins_for(platform, line)) for platform in PLATFORMS] == [False, False, True]
    ipykernel_on_macos = Requirement("appnope>=0.1.2; platform_system == 'Darwin'")
    assert [applies(ipykernel_on_macos, platform) for platform in PLATFORMS] == [False, True, False]
    jsonschema_extra = Requirement('fqdn; extra == "format-nongpl"')
    assert not applies(jsonschema_extra, PLATFORMS[0]) and applies(jsonschema_extra, PLATFORMS[0], "format-nongpl")


@pytest.mark.parametrize("platform", PLATFORMS, ids=IDS)
def test_pyproject_declares_what_requirements_pins_on_each_platform(platform):
    """pyproject.toml's dependencies carry the same markers: each applies where requirements.txt pins it."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = [Requirement(line) for line in project["dependencies"]]
    declared += [Requirement(line) for lines in project["optional-dependencies"].values() for line in lines]
    pins = pins_for(platform)
    needed = {canonicalize_name(r.name): r for r in declared if applies(r, platform) and r.name != "heartnet"}
    assert {name for name in needed if name not in pins} == set()
    assert [str(r) for name, r in needed.items() if not r.specifier.contains(pins[name])] == []


# --- pip's dry run for each platform (the package index; `make pins`) ---


_UNREACHABLE = re.compile(
    r"NewConnectionError|ConnectTimeoutError|Max retries exceeded|Temporary failure in name resolution"
    r"|Name or service not known|nodename nor servname|getaddrinfo failed|Network is unreachable|ProxyError"
)


def _dry_run(platform: Platform, folder: Path) -> tuple[subprocess.CompletedProcess, Path]:
    """pip resolves the pins that apply on ``platform`` (with their dependencies), wheels only, installing nothing."""
    requirements, report = folder / f"{platform.name}.txt", folder / f"{platform.name}.json"
    pins = pins_for(platform)
    requirements.write_text("".join(f"{name}=={version}\n" for name, version in pins.items()), encoding="utf-8")
    command = [sys.executable, "-m", "pip", "install", "--dry-run", "--report", str(report), "--quiet"]
    command += ["--disable-pip-version-check", "--no-input", "--retries", "1", "--timeout", "30"]
    # --target: older pip (23.2) takes --platform only with it; a dry run writes nothing there.
    command += ["--target", str(folder / f"{platform.name}-target"), "--only-binary=:all:"]
    command += ["--implementation", "cp", "--python-version", PYTHON]
    command += [option for tag in platform.tags for option in ("--platform", tag)]
    command += ["-r", str(requirements)]
    return subprocess.run(command, capture_output=True, text=True, timeout=900), report


def _unmet(platform: Platform, installed: dict[str, dict], pins: dict[str, str]) -> list[str]:
    """What the resolved set lacks on ``platform``: each dependency (and extra) whose marker holds there."""
    problems, seen = [], set()
    pending = [(name, "") for name in pins]
    while pending:
        name, extra = pending.pop()
        if (name, extra) in seen:
            continue
        seen.add((name, extra))
        for line in installed[name]["metadata"].get("requires_dist", []):
            dependency = Requirement(line)
            if not applies(dependency, platform, extra):
                continue
            needed = canonicalize_name(dependency.name)
            if needed in FROM_THE_VENV:
                continue
            if needed not in pins:
                problems.append(f"{name} needs {dependency} on {platform.name}: not pinned there")
                continue
            if not dependency.specifier.contains(pins[needed], prereleases=True):
                problems.append(f"{name} needs {dependency}: {needed}=={pins[needed]} is pinned")
            pending += [(needed, ""), *((needed, wanted) for wanted in dependency.extras)]
    return problems


def _problems(platform: Platform, report: dict) -> list[str]:
    """How pip's resolution for ``platform`` differs from the pins, or what it lacks there."""
    installed = {canonicalize_name(item["metadata"]["name"]): item for item in report["install"]}
    versions = {name: item["metadata"]["version"] for name, item in installed.items()}
    pins = pins_for(platform)
    unpinned = set(versions) - set(pins) - FROM_THE_VENV
    problems = [f"{name}=={versions[name]} resolved but not pinned" for name in sorted(unpinned)]
    problems += [
        f"{name}: pinned {pin}, resolved {versions.get(name)}"
        for name, pin in pins.items()
        if versions.get(name) != pin
    ]
    return problems or _unmet(platform, installed, pins)


@pytest.mark.pins  # three pip resolutions against the package index, side by side: 30-55 s on 2 cores
def test_requirements_resolve_to_wheels_on_linux_macos_and_windows(tmp_path):
    if subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True).returncode != 0:
        pytest.skip("pip is not installed in this environment")
    with ThreadPoolExecutor(len(PLATFORMS)) as pool:  # one pip process per platform, side by side
        runs = list(zip(PLATFORMS, pool.map(lambda p: _dry_run(p, tmp_path), PLATFORMS), strict=True))
    for platform, (result, _) in runs:
        unreachable = [line for line in result.stderr.splitlines() if _UNREACHABLE.search(line)]
        if result.returncode != 0 and unreachable:
            pytest.skip(f"the package index is unreachable (pip for {platform.name}): {unreachable[-1][-200:]}")
    failures = {}
    for platform, (result, report) in runs:
        if result.returncode != 0:
            errors = [line for line in result.stderr.splitlines() if line.startswith("ERROR")]
            failures[platform.name] = errors or result.stderr.strip()[-2000:]
        elif problems := _problems(platform, json.loads(report.read_text(encoding="utf-8"))):
            failures[platform.name] = problems
    assert not failures, json.dumps(failures, indent=1)
