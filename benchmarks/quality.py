"""Is the neural network better than classical models? heartnet against scikit-learn on the same folds.

    python benchmarks/quality.py [--out PATH] [--repeats N] [--rows N]

5 × 5 RepeatedStratifiedKFold(random_state=0) on the full dataset; every model
sees exactly the same folds and the same inputs (the baselines' ColumnTransformer
mirrors the model's preprocessing layers). For each baseline, the paired
difference to heartnet comes with a 95% interval from the Nadeau–Bengio
corrected repeated-CV t-test. Writes reports/quality.json.

Hyper-parameters: heartnet's number of ensemble heads was chosen by nested
cross-validation inside each outer training part (benchmarks/selection.py); the
rest is fixed beforehand (heartnet.model.DEFAULT_HPARAMS, heartnet.training.DEFAULT_FIT,
scikit-learn's defaults for the baselines). Nothing is tuned on these folds.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPORTS, publish, table
from sklearn.model_selection import train_test_split

import heartnet
from heartnet.evaluate import (
    baselines,
    corrected_paired_ttest,
    cross_validate,
    heartnet_fit_predict,
    sklearn_fit_predict,
)
from heartnet.model import DEFAULT_HPARAMS
from heartnet.training import DEFAULT_FIT

METRICS = ("roc_auc", "accuracy", "f1", "brier", "log_loss", "fit_seconds")
LOWER_IS_BETTER = {"brier", "log_loss", "fit_seconds"}
GOALS = {"roc_auc": (">=", 0.935), "accuracy": (">=", 0.88), "brier": ("<=", 0.095)}


def run(*, repeats: int = 5, splits: int = 5, rows: int | None = None, seed: int = 0) -> dict:
    df = heartnet.load_dataset()
    if rows:
        df, _ = train_test_split(df, train_size=rows, stratify=df[heartnet.TARGET], random_state=seed)
    models = {"heartnet": heartnet_fit_predict(seed=seed)}
    models.update({name: sklearn_fit_predict(pipeline) for name, pipeline in baselines(seed=seed).items()})
    started = time.perf_counter()
    folds = cross_validate(df, models, n_splits=splits, n_repeats=repeats, seed=seed)
    seconds = time.perf_counter() - started

    summary = {
        name: {
            metric: {"mean": float(group[metric].mean()), "std": float(group[metric].std(ddof=1))} for metric in METRICS
        }
        for name, group in folds.groupby("model", sort=False)
    }
    ours = folds[folds["model"] == "heartnet"].sort_values(["repeat", "fold"])
    comparisons = {}
    for name in models:
        if name == "heartnet":
            continue
        theirs = folds[folds["model"] == name].sort_values(["repeat", "fold"])
        comparisons[name] = {
            metric: corrected_paired_ttest(
                ours[metric].to_numpy() - theirs[metric].to_numpy(), test_fraction=1 / (splits - 1)
            )
            for metric in ("roc_auc", "accuracy", "brier", "log_loss", "f1")
        }
    goals = {}
    for metric, (direction, target) in GOALS.items():
        value = summary["heartnet"][metric]["mean"]
        best_baseline = (min if metric in LOWER_IS_BETTER else max)(
            summary[name][metric]["mean"] for name in summary if name != "heartnet"
        )
        goals[metric] = {
            "goal": f"{direction} {target}",
            "heartnet": value,
            "met": value >= target if direction == ">=" else value <= target,
            "best_baseline": best_baseline,
            "ahead_of_every_baseline": value > best_baseline
            if metric not in LOWER_IS_BETTER
            else value < best_baseline,
        }
    return {
        "cv": {
            "splitter": "RepeatedStratifiedKFold",
            "n_splits": splits,
            "n_repeats": repeats,
            "random_state": seed,
            "rows": len(df),
            "seconds": seconds,
            "hyperparameters": "members chosen by nested CV (reports/selection.json), the rest fixed beforehand; "
            "nothing tuned on these folds",
            "heartnet": {**DEFAULT_HPARAMS, **DEFAULT_FIT},
            "comparison_test": "Nadeau-Bengio corrected repeated-CV t-test, 95% interval of heartnet minus baseline",
        },
        "models": summary,
        "comparisons": comparisons,
        "goals": goals,
        "folds": folds.to_dict(orient="records"),
    }


def render(report: dict) -> str:
    header = ["model", "ROC AUC", "accuracy", "F1", "Brier", "log loss", "fit s"]
    rows = []
    for name, stats in sorted(report["models"].items(), key=lambda item: -item[1]["roc_auc"]["mean"]):
        rows.append(
            [name]
            + [
                f"{stats[m]['mean']:.3f} ± {stats[m]['std']:.3f}"
                for m in ("roc_auc", "accuracy", "f1", "brier", "log_loss")
            ]
            + [f"{stats['fit_seconds']['mean']:.2f}"]
        )
    lines = [table(rows, header), "", "heartnet minus baseline, 95% corrected interval:"]
    for name, metrics in report["comparisons"].items():
        auc, brier = metrics["roc_auc"], metrics["brier"]
        lines.append(
            f"  {name:<24} AUC {auc['mean']:+.4f} [{auc['low']:+.4f}, {auc['high']:+.4f}]   "
            f"Brier {brier['mean']:+.4f} [{brier['low']:+.4f}, {brier['high']:+.4f}]"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "quality.json"), help="where to write the JSON report")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the 5-fold split (default: 5)")
    parser.add_argument("--rows", type=int, help="use a stratified sample of this many rows (for quick checks)")
    args = parser.parse_args(argv)
    report = run(repeats=args.repeats, rows=args.rows)
    return publish(report, args.out, render)


if __name__ == "__main__":
    sys.exit(main())
