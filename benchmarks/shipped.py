"""The model that ships, described from its own training record: what the model card says about it.

    python -m benchmarks.shipped [--out PATH] [--seed N] [--model PATH]

Trains the default model exactly as ``heartnet train`` does
(``heartnet.training.train_and_save``, seed 0, into a temporary folder), or
reads one that ``heartnet train`` already saved (``--model``), and records,
from its metadata: the data and how many rows trained and were held out,
the hyper-parameters, the epochs, the threshold, the range of each number
in the training rows, the library versions and the date; then,
on its held-out rows, ROC AUC with a bootstrap interval, Brier, log loss,
calibration intercept and slope with their intervals, and sensitivity,
specificity, PPV and NPV at the threshold with Wilson intervals. Writes
reports/shipped.json (with the machine, versions and commit, as every report).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

from benchmarks.common import REPORTS, out_of_range_expected, publish
from benchmarks.model_tables import shipped_table
from heartnet.evaluate import roc_auc_interval
from heartnet.features import TARGET
from heartnet.inference import probabilities
from heartnet.recalibration import calibration
from heartnet.splits import recorded_split
from heartnet.storage import load
from heartnet.training import train_and_save


def run(*, seed: int = 0, model: str | Path | None = None) -> dict:
    if model is None:
        with tempfile.TemporaryDirectory() as folder:
            return run(model=train_and_save(seed=seed, out=Path(folder) / "heartnet.keras").path)
    trained = load(model)
    record = trained.record
    split = recorded_split(record)
    test = split.test
    p = probabilities(trained, test)
    y = test[TARGET].to_numpy()
    low, high = roc_auc_interval(y, p)
    return {
        "command": record.command or f"heartnet train --seed {record.seed}",
        "created": trained.parsed.created,  # storage's keys: when, and with which libraries
        "data": asdict(record.data),
        "rows": {"training": len(split.train_rows), "held_out": len(test)},
        "hyperparameters": dict(record.hyperparameters),
        "epochs_run": record.epochs_run,
        "threshold": trained.threshold,
        "observed_ranges": record.observed_ranges,
        "model_versions": trained.parsed.versions,  # the libraries it was trained with ("versions": this run's)
        "held_out": dict(record.metrics) | {"roc_auc_low": low, "roc_auc_high": high, **_calibration(y, p)},
    }


def _calibration(y, p) -> dict:
    fitted = calibration(y, p)
    return {f"calibration_{name}": float(value) for name, value in fitted.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.shipped", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "shipped.json"), help="where to write the JSON report")
    parser.add_argument("--seed", type=int, default=0, help="the seed heartnet train takes (default: 0)")
    parser.add_argument("--model", help="describe this model, saved by heartnet train, instead of training one")
    args = parser.parse_args(argv)
    with out_of_range_expected():
        return publish(run(seed=args.seed, model=args.model), args.out, shipped_table)


if __name__ == "__main__":
    sys.exit(main())
