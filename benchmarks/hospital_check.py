"""The README's check at a hospital the model has not seen, run for real, so that the README shows its real output.

    python -m benchmarks.hospital_check [--out PATH] [--hospital NAME]

In a temporary folder, as a user would type them: write one hospital's
labelled patients in two stratified halves (``heartnet data --hospital``),
train the default model without that hospital (``heartnet train
--without-hospital``), check it on the first half (``heartnet evaluate
--data``), recalibrate it with that half (``heartnet recalibrate``), and
check both models on the *other* half, which neither the training nor the
recalibration saw. Every command runs as its own process through the
installed ``heartnet`` console script; what it printed (standard output and
error) and its exit code are recorded. Writes reports/hospital_check.json.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import REPORTS, publish
from benchmarks.model_tables import hospital_check_block

HOSPITAL = "Hungary"  # its probabilities move most when the model has not seen it: the check shows why it matters


def steps(hospital: str) -> list[list[str]]:
    """The commands, in order, with the file names the README uses."""
    stem = hospital.lower().replace(" ", "_")
    base, updated = f"sin_{stem}.keras", f"{stem}.keras"
    return [
        ["heartnet", "data", "--hospital", hospital, "--out", f"{stem}.csv", "--halves"],
        ["heartnet", "train", "--without-hospital", hospital, "--out", base],
        ["heartnet", "evaluate", "--data", f"{stem}_a.csv", "--model", base],
        ["heartnet", "recalibrate", f"{stem}_a.csv", "--model", base, "--out", updated],
        ["heartnet", "evaluate", "--data", f"{stem}_b.csv", "--model", base],
        ["heartnet", "evaluate", "--data", f"{stem}_b.csv", "--model", updated],
    ]


def run(hospital: str = HOSPITAL) -> dict:
    program = shutil.which("heartnet", path=str(Path(sys.executable).parent)) or shutil.which("heartnet")
    if program is None:
        raise SystemExit("the heartnet command is not installed (pip install -e .)")
    ran = []
    with tempfile.TemporaryDirectory() as folder:
        for command in steps(hospital):
            done = subprocess.run(
                [program, *command[1:]], cwd=folder, capture_output=True, text=True, timeout=600, check=False
            )
            ran.append({"command": command, "exit": done.returncode, "stdout": done.stdout, "stderr": done.stderr})
            if done.returncode:
                raise SystemExit(f"{' '.join(command)} exited with {done.returncode}:\n{done.stderr}")
    return {"hospital": hospital, "commands": ran}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hospital_check", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "hospital_check.json"), help="where to write the JSON report")
    parser.add_argument(
        "--hospital", default=HOSPITAL, help=f"the hospital to check the model on (default: {HOSPITAL})"
    )
    args = parser.parse_args(argv)
    return publish(run(args.hospital), args.out, hospital_check_block)


if __name__ == "__main__":
    sys.exit(main())
