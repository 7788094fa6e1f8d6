"""How fast is heartnet? Training, one-row latency and batch throughput, beside the baselines.

    python benchmarks/speed.py [--out PATH] [--rows N] [--calls N] [--repeats N]

- training: ``heartnet.train`` on the full dataset (median of --repeats runs)
  beside each baseline's ``fit`` on the same rows;
- one row: ``heartnet.predict_one`` latency p50/p99 over --calls calls, beside
  ``model.predict`` on the same row (the slow path it avoids), in the same run;
- batch: ``heartnet.predict`` (validation included) on --rows rows resampled
  from the dataset, beside each baseline's ``predict_proba`` on the same rows.

Writes reports/speed.json. The machines are shared and noisy: medians and
ratios measured in the same run are the numbers to read.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import tensorflow as tf
from common import REPORTS, publish, table

import heartnet
from heartnet.evaluate import baselines
from heartnet.model import to_inputs
from heartnet.predict import pack_columns, packed_function
from heartnet.validation import validate_row

GOALS = {"train_seconds": 4.0, "predict_one_p50_ms": 1.0, "predict_one_speedup": 50.0}


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def _predict_one_stages(row: dict, model, calls: int) -> dict:
    """Where one predict_one call goes (p50 of each stage alone, ms): the profile behind the latency."""
    clean = validate_row(row)
    columns = {name: [value] for name, value in clean.items()}
    packed = pack_columns(columns)
    tensors = [tf.constant(matrix) for matrix in packed]
    function = packed_function(model)
    stages = {
        "validate_row": lambda: validate_row(row),
        "pack_columns": lambda: pack_columns(columns),
        "to_tensors": lambda: [tf.constant(matrix) for matrix in packed],
        "model_graph_call": lambda: function(*tensors).numpy(),
    }
    result = {}
    for name, stage in stages.items():
        stage()
        result[name] = float(np.median([_timed(stage) for _ in range(calls)]) * 1000)
    return result


def run(*, rows: int = 1_000_000, calls: int = 1000, repeats: int = 3, seed: int = 0) -> dict:
    df = heartnet.load_dataset()
    features = df[list(heartnet.FEATURE_NAMES)]
    labels = df[heartnet.TARGET]

    train_seconds = [_timed(lambda: heartnet.train(df, seed=seed)) for _ in range(repeats)]
    model = heartnet.train(df, seed=seed)
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
    }
    measured = {
        "train_seconds": report["train_seconds"]["heartnet"]["median"],
        "predict_one_p50_ms": p50,
        "predict_one_speedup": report["predict_one"]["speedup_p50"],
    }
    report["goals"] = {
        key: {
            "goal": ("<= " if key != "predict_one_speedup" else ">= ") + str(target),
            "measured": measured[key],
            "met": measured[key] >= target if key == "predict_one_speedup" else measured[key] <= target,
        }
        for key, target in GOALS.items()
    }
    return report


def render(report: dict) -> str:
    rows = [
        [name, f"{stats['median']:.2f}", f"{report['batch_rows_per_second'][name]:,.0f}"]
        for name, stats in report["train_seconds"].items()
    ]
    one = report["predict_one"]
    return "\n".join(
        [
            table(rows, ["model", "train s (median)", "batch rows/s"]),
            "",
            f"predict_one: p50 {one['p50_ms']:.3f} ms, p99 {one['p99_ms']:.3f} ms; "
            f"model.predict on the same row: p50 {one['model_predict_p50_ms']:.1f} ms "
            f"({one['speedup_p50']:.0f}x slower)",
            "predict_one stages, p50 ms each: "
            + ", ".join(f"{name} {ms:.3f}" for name, ms in one["stages_p50_ms"].items()),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "speed.json"), help="where to write the JSON report")
    parser.add_argument(
        "--rows", type=int, default=1_000_000, help="rows for the batch throughput (default: 1,000,000)"
    )
    parser.add_argument("--calls", type=int, default=1000, help="predict_one calls for the latency (default: 1000)")
    parser.add_argument("--repeats", type=int, default=3, help="training runs per model (default: 3)")
    args = parser.parse_args(argv)
    report = run(rows=args.rows, calls=args.calls, repeats=args.repeats)
    return publish(report, args.out, render)


if __name__ == "__main__":
    sys.exit(main())
