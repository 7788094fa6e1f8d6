"""What every benchmark report records: the machine, the library versions, the commit and date, and an atomic write."""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import subprocess
import warnings
from importlib import metadata
from pathlib import Path

from heartnet.files import write_atomically
from heartnet.paths import project_root
from heartnet.ranges import OutOfRangeWarning
from heartnet.storage import library_versions

REPORTS = project_root() / "reports"
# Beyond the model's own libraries (library_versions): the competitors, the explainer and the statistics a report
# may involve.
BENCHMARK_LIBRARIES = ("catboost", "shap", "pyarrow", "statsmodels", "scipy")


@contextlib.contextmanager
def out_of_range_expected():
    """Within it, no ``OutOfRangeWarning``; the warnings filters are as they were once it ends.

    A benchmark predicts held-out folds and other hospitals, outside a fold's training ranges by design: the
    warning speaks to someone predicting a patient (HeartnetClassifier.predict_proba warns as heartnet.predict
    does). Each benchmark's ``main`` runs its predictions inside this, never a filter set when a module is imported.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=OutOfRangeWarning)
        yield


def machine_info() -> dict:
    """Enough to tell two benchmark machines apart (no host names, no paths)."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "system": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
    }


def versions() -> dict[str, str]:
    """The model's library versions plus those of the benchmarks' other libraries that are installed."""
    found = library_versions()
    for package in BENCHMARK_LIBRARIES:
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return found


def source() -> dict:
    """The commit the report was produced from, and whether the work tree had changes not committed yet.

    The reports themselves are left out of that check: `make bench` rewrites them one after another, and a
    report written earlier in the same run is not a change to the code that produced the next one.
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=project_root(), capture_output=True, text=True, check=True, timeout=10
        ).stdout.strip()
        changed = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)reports"],
            cwd=project_root(),
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "uncommitted_changes": None}
    return {"commit": commit, "uncommitted_changes": bool(changed)}


def write_report(report: dict, path: str | os.PathLike) -> Path:
    """Add machine, versions and source (commit; the date is the machine's), write the JSON atomically."""
    path = Path(path)
    report = {**report, "machine": machine_info(), "versions": versions(), "source": source()}
    text = json.dumps(report, indent=2, ensure_ascii=False) + "\n"
    write_atomically(path, lambda temporary: temporary.write_text(text, encoding="utf-8"))
    return path


def publish(report: dict, out: str | os.PathLike, render) -> int:
    """Write the report (with machine and versions), print its tables as the documents show them, return 0.

    ``render`` is the documents' own renderer of this report, fed the JSON as written: one rendering.
    """
    path = write_report(report, out)
    print(render(json.loads(path.read_text(encoding="utf-8"))))
    print(f"\nwrote {path.name}")
    return 0
