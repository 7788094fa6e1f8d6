"""How fast is heartnet? Training, one-row latency and batch throughput, beside the baselines.

    python -m benchmarks.speed [--out PATH] [--rows N] [--calls N] [--repeats N]

- training: ``heartnet.train`` on the full dataset (median of --repeats runs)
  beside each baseline's ``fit`` on the same rows;
- one row: ``heartnet.predict_one`` latency p50/p99 over --calls calls, beside
  ``model.predict`` on the same row (the slow path it avoids), in the same run;
- batch: ``heartnet.predict`` (validation included) on --rows rows resampled
  from the dataset, beside each baseline's ``predict_proba`` on the same rows;
- the command line, as whole processes (median of --process-runs after a
  warm-up): ``heartnet --help`` and every ``heartnet CMD --help``, and
  ``heartnet predict`` on one row, beside the floors they cannot beat: a bare
  ``python -c pass`` and ``python -c "import tensorflow, keras"``.

Writes reports/speed.json. The machines are shared and noisy: medians and
ratios measured in the same run are the numbers to read.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import heartnet
from benchmarks.common import REPORTS, out_of_range_expected, publish
from benchmarks.tables import speed_table
from heartnet.baselines import baselines
from heartnet.inference import model_function
from heartnet.model import to_inputs
from heartnet.validation import validate_row

# What each goal measures: (comparison, target, what).
GOALS = {
    "train_seconds": ("<=", 4.0, "median training time of the default model on the whole dataset"),
    "predict_one_p50_ms": ("<=", 1.0, "predict_one latency, p50"),
    "predict_one_speedup": (">=", 50.0, "model.predict's p50 over predict_one's"),
    "batch_rows_per_second": (">=", 500_000, "heartnet.predict on a large frame, validation included"),
    "help_seconds": ("<=", 0.5, "slowest of heartnet --help and every heartnet CMD --help"),
    "predict_over_import_seconds": ("<=", 1.0, "heartnet predict on one row minus import tensorflow, keras"),
}
COMMANDS = ("data", "train", "predict", "evaluate", "recalibrate", "score", "export")


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _predict_one_stages(row: dict, model, calls: int) -> dict:
    """Where one predict_one call goes (p50 of each stage alone, ms): the profile behind the latency."""
    columns = {name: [value] for name, value in validate_row(row).items()}
    tensors = to_inputs(columns)
    function = model_function(model)
    stages = {
        "validate_row": lambda: validate_row(row),
        "to_tensors": lambda: to_inputs(columns),
        "model_call": lambda: function(tensors).numpy(),
    }
    result = {}
    for name, stage in stages.items():
        stage()
        result[name] = float(np.median([_timed(stage) for _ in range(calls)]) * 1000)
    return result


def _process_seconds(argv: list[str], runs: int) -> float:
    """Median wall time of ``argv`` as a whole process over ``runs`` runs, after one warm-up run."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def command_line(model, *, runs: int) -> dict:
    """Start-up of the CLI as whole processes, beside the interpreter and the TensorFlow import floors."""
    python = sys.executable
    script = str(Path(python).with_name("heartnet"))
    clean = validate_row(heartnet.load_dataset()[list(heartnet.FEATURE_NAMES)].iloc[0].to_dict())
    row = json.dumps({name: None if value != value else value for name, value in clean.items()})  # NaN: not measured
    with tempfile.TemporaryDirectory() as folder:
        path = heartnet.save_model(model, Path(folder) / "model.keras")
        figures = {
            "python_floor_s": _process_seconds([python, "-c", "pass"], runs),
            "tensorflow_keras_import_s": _process_seconds([python, "-c", "import tensorflow, keras"], runs),
            "help_s": {
                name: _process_seconds([script, *argv, "--help"], runs)
                for name, argv in [("heartnet", []), *((command, [command]) for command in COMMANDS)]
            },
            "predict_one_row_s": _process_seconds([script, "predict", row, "--model", str(path)], runs),
            "runs": runs,
        }
    figures["predict_over_import_s"] = figures["predict_one_row_s"] - figures["tensorflow_keras_import_s"]
    return figures


def run(*, rows: int = 1_000_000, calls: int = 1000, repeats: int = 3, process_runs: int = 5, seed: int = 0) -> dict:
    df = heartnet.load_dataset()
    features = df[list(heartnet.FEATURE_NAMES)]
    labels = df[heartnet.TARGET]

    train_seconds = []
    for _ in range(repeats):
        started = time.perf_counter()
        classifier = heartnet.train(df, seed=seed)
        train_seconds.append(time.perf_counter() - started)
    model = classifier.model_  # every run trains the same seeded model: the last is kept
    fitted, fit_seconds = {}, {}
    for name, pipeline in baselines(seed=seed).items():
        times = []
        for _ in range(repeats):
            times.append(_timed(lambda pipeline=pipeline: pipeline.fit(features, labels)))
        fitted[name], fit_seconds[name] = pipeline, statistics.median(times)

    row = features.iloc[0].to_dict()
    heartnet.predict_one(row, model)  # warm up: the first call traces the predict function
    latencies = []
    for _ in range(calls):
        started = time.perf_counter()
        heartnet.predict_one(row, model)
        latencies.append(time.perf_counter() - started)
    stages = _predict_one_stages(row, model, calls)
    one_row = to_inputs({name: [value] for name, value in validate_row(row).items()})
    model.predict(one_row, verbose=0)
    slow = [_timed(lambda: model.predict(one_row, verbose=0)) for _ in range(max(20, calls // 20))]

    big = df.sample(rows, replace=True, random_state=seed).reset_index(drop=True)
    batch_seconds = {"heartnet": statistics.median(_timed(lambda: heartnet.predict(big, model)) for _ in range(2))}
    big_features = big[list(heartnet.FEATURE_NAMES)]
    for name, pipeline in fitted.items():
        batch_seconds[name] = _timed(lambda pipeline=pipeline: pipeline.predict_proba(big_features))

    p50, p99 = (float(np.percentile(latencies, q) * 1000) for q in (50, 99))
    model_predict_p50 = float(np.median(slow) * 1000)
    report = {
        "config": {"rows": rows, "calls": calls, "repeats": repeats, "seed": seed},
        "train_seconds": {
            "heartnet": {"median": statistics.median(train_seconds), "runs": train_seconds},
            **{name: {"median": seconds} for name, seconds in fit_seconds.items()},
        },
        "predict_one": {
            "p50_ms": p50,
            "p99_ms": p99,
            "model_predict_p50_ms": model_predict_p50,
            "speedup_p50": model_predict_p50 / p50,
            "stages_p50_ms": stages,
        },
        "batch_rows_per_second": {name: rows / seconds for name, seconds in batch_seconds.items()},
        "command_line": command_line(model, runs=process_runs),
    }
    cli = report["command_line"]
    measured = {
        "train_seconds": report["train_seconds"]["heartnet"]["median"],
        "predict_one_p50_ms": p50,
        "predict_one_speedup": report["predict_one"]["speedup_p50"],
        "batch_rows_per_second": report["batch_rows_per_second"]["heartnet"],
        "help_seconds": max(cli["help_s"].values()),
        "predict_over_import_seconds": cli["predict_over_import_s"],
    }
    report["goals"] = {
        key: {
            "goal": f"{op} {target:g} ({what})",
            "op": op,
            "target": target,
            "measured": measured[key],
            "met": measured[key] <= target if op == "<=" else measured[key] >= target,
        }
        for key, (op, target, what) in GOALS.items()
    }
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.speed", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "speed.json"), help="where to write the JSON report")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows for the batch throughput (default: 1,000,000)"
    )
    parser.add_argument("--calls", type=int, default=1000, help="predict_one calls for the latency (default: 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="training runs per model (default: 3)")
    parser.add_argument(
        "--process-runs", type=int, default=5, help="runs of each whole command, after a warm-up (default: 5)"
    )
    args = parser.parse_args(argv)
    with out_of_range_expected():
        report = run(rows=args.rows, calls=args.calls, repeats=args.repeats, process_runs=args.process_runs)
    return publish(report, args.out, speed_table)


if __name__ == "__main__":
    sys.exit(main())
