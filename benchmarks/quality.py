"""Is the neural network better than the models a practitioner would try? heartnet against CatBoost and scikit-learn.

    python -m benchmarks.quality [--out PATH] [--repeats N] [--rows N]

5 × 5 RepeatedStratifiedKFold(random_state=0) on the full dataset. Every model
goes through scikit-learn's ``cross_validate`` with that one CV object, so all
see exactly the same folds, and takes the same raw feature frame: heartnet's
``HeartnetClassifier``, CatBoost with its defaults and native categorical
features, and scikit-learn pipelines whose ColumnTransformer mirrors the
model's preprocessing layers. For each baseline, the paired difference to
heartnet comes with a 95% interval from the Nadeau–Bengio corrected
repeated-CV t-test. Writes reports/quality.json.

Hyper-parameters: heartnet's default was chosen by nested cross-validation
inside each outer training part (benchmarks/selection.py, ``make search``);
the baselines keep their libraries' defaults. Nothing is tuned on these folds.
"""

from __future__ import annotations

import argparse
import sys
import time

from sklearn.model_selection import train_test_split

import heartnet
from benchmarks.common import REPORTS, out_of_range_expected, publish
from benchmarks.comparison import LOSSES, SCORING, compare_models, corrected_paired_ttest, repeated_folds
from benchmarks.tables import quality_table
from heartnet.baselines import baselines

METRICS = (*SCORING, "fit_seconds")
GOALS = ("roc_auc", "brier", "log_loss")  # heartnet against CatBoost, and against every baseline on AUC and Brier


def run(*, repeats: int = 5, splits: int = 5, rows: int | None = None, seed: int = 0) -> dict:
    df = heartnet.load_dataset()
    if rows:
        df, _ = train_test_split(df, train_size=rows, stratify=df[heartnet.TARGET], random_state=seed)
    X, y = df[list(heartnet.FEATURE_NAMES)], df[heartnet.TARGET]
    models = {"heartnet": heartnet.HeartnetClassifier(random_state=seed), **baselines(seed=seed)}
    started = time.perf_counter()
    folds = compare_models(models, X, y, repeated_folds(n_splits=splits, n_repeats=repeats, seed=seed))
    seconds = time.perf_counter() - started

    summary = {
        name: {
            metric: {"mean": float(group[metric].mean()), "std": float(group[metric].std(ddof=1))} for metric in METRICS
        }
        for name, group in folds.groupby("model", sort=False)
    }
    ours = folds[folds["model"] == "heartnet"].sort_values("split")
    comparisons = {
        name: {
            metric: corrected_paired_ttest(
                ours[metric].to_numpy() - folds[folds["model"] == name].sort_values("split")[metric].to_numpy(),
                test_fraction=1 / (splits - 1),
            )
            for metric in SCORING
        }
        for name in models
        if name != "heartnet"
    }
    return {
        "cv": {
            "splitter": "RepeatedStratifiedKFold",
            "n_splits": splits,
            "n_repeats": repeats,
            "random_state": seed,
            "rows": len(df),
            "seconds": seconds,
            "runner": "sklearn.model_selection.cross_validate, one CV object for every model",
            "hyperparameters": "heartnet's default chosen by nested CV (reports/selection.json); "
            "baselines at their libraries' defaults; nothing tuned on these folds",
            "heartnet": heartnet.HeartnetClassifier().get_params(),
            "comparison_test": "Nadeau-Bengio corrected repeated-CV t-test, 95% interval of heartnet minus baseline",
            "accuracy_and_f1": "at scikit-learn's threshold 0.5 (the more probable class), for every model alike",
        },
        "models": summary,
        "comparisons": comparisons,
        "goals": goals(summary),
        "folds": folds.to_dict(orient="records"),
    }


def goals(summary: dict) -> dict:
    """heartnet at least CatBoost's AUC, at most its Brier and log loss; ahead of every baseline on AUC and Brier."""

    def better_or_equal(metric: str, ours: float, theirs: float) -> bool:
        return ours <= theirs if metric in LOSSES else ours >= theirs

    ours = {metric: summary["heartnet"][metric]["mean"] for metric in GOALS}
    result = {}
    for metric in GOALS:
        catboost = summary["catboost"][metric]["mean"]
        entry = {
            "heartnet": ours[metric],
            "catboost": catboost,
            "met_against_catboost": better_or_equal(metric, ours[metric], catboost),
        }
        if metric != "log_loss":
            others = {
                name: stats[metric]["mean"] for name, stats in summary.items() if name not in ("heartnet", "catboost")
            }
            entry["ahead_of_every_sklearn_baseline"] = all(
                (ours[metric] < value if metric in LOSSES else ours[metric] > value) for value in others.values()
            )
        result[metric] = entry
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.quality", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "quality.json"), help="where to write the JSON report")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the 5-fold split (default: 5)")
    parser.add_argument("--rows", type=int, help="use a stratified sample of this many rows (for quick checks)")
    args = parser.parse_args(argv)
    with out_of_range_expected():
        report = run(repeats=args.repeats, rows=args.rows)
    return publish(report, args.out, quality_table)


if __name__ == "__main__":
    sys.exit(main())
