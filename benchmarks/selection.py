"""Which default model? Candidates chosen by nested cross-validation, never on the reported folds.

    python benchmarks/selection.py [--out PATH] [--repeats N] [--rows N] [--inner N]

The outer loop is quality.py's: 5 × --repeats RepeatedStratifiedKFold(random_state=0).
Inside each outer training part only, an inner StratifiedKFold (--inner folds)
scores every candidate by its mean inner log loss; the best is retrained on the
whole outer training part and scored once on the outer test fold. The outer
scores therefore estimate the whole procedure (selection included) without
leakage, and the counts say how often each candidate won. The package's
default is the candidate that wins most often. Writes reports/selection.json.
"""

from __future__ import annotations

import argparse
import collections
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import REPORTS, publish, table
from sklearn.model_selection import RepeatedStratifiedKFold, StratifiedKFold, train_test_split

import heartnet
from heartnet.evaluate import classification_metrics

# Written down before any run: one MLP, or the mean of five trained on rotating folds.
CANDIDATES = {"single": {"members": 1}, "ensemble_5": {"members": 5}}
METRICS = ("roc_auc", "accuracy", "brier", "log_loss")


def _scores(train_df, test_df, hparams: dict, seed: int) -> dict:
    model = heartnet.train(train_df, seed=seed, **hparams)
    scores = classification_metrics(test_df[heartnet.TARGET], heartnet.predict(test_df, model))
    return {metric: scores[metric] for metric in METRICS}


def run(*, repeats: int = 5, splits: int = 5, inner: int = 3, rows: int | None = None, seed: int = 0) -> dict:
    df = heartnet.load_dataset()
    if rows:
        df, _ = train_test_split(df, train_size=rows, stratify=df[heartnet.TARGET], random_state=seed)
    outer = RepeatedStratifiedKFold(n_splits=splits, n_repeats=repeats, random_state=seed)
    folds = []
    for index, (train_rows, test_rows) in enumerate(outer.split(df, df[heartnet.TARGET])):
        train_df, test_df = df.iloc[train_rows], df.iloc[test_rows]
        inner_splits = StratifiedKFold(n_splits=inner, shuffle=True, random_state=seed)
        inner_loss = collections.defaultdict(list)
        for fit_rows, check_rows in inner_splits.split(train_df, train_df[heartnet.TARGET]):
            for name, hparams in CANDIDATES.items():
                scores = _scores(train_df.iloc[fit_rows], train_df.iloc[check_rows], hparams, seed)
                inner_loss[name].append(scores["log_loss"])
        chosen = min(CANDIDATES, key=lambda name: np.mean(inner_loss[name]))
        folds.append(
            {
                "repeat": index // splits,
                "fold": index % splits,
                "inner_log_loss": {name: float(np.mean(losses)) for name, losses in inner_loss.items()},
                "chosen": chosen,
                **_scores(train_df, test_df, CANDIDATES[chosen], seed),
            }
        )
    wins = collections.Counter(fold["chosen"] for fold in folds)
    return {
        "cv": {
            "outer": f"RepeatedStratifiedKFold(n_splits={splits}, n_repeats={repeats}, random_state={seed})",
            "inner": f"StratifiedKFold(n_splits={inner}, shuffle=True, random_state={seed}) in each outer train part",
            "criterion": "mean inner log loss (lower is better)",
            "rows": len(df),
        },
        "candidates": CANDIDATES,
        "wins": {name: wins.get(name, 0) for name in CANDIDATES},
        "chosen_default": wins.most_common(1)[0][0],
        "nested": {
            metric: {
                "mean": float(np.mean([f[metric] for f in folds])),
                "std": float(np.std([f[metric] for f in folds], ddof=1)),
            }
            for metric in METRICS
        },
        "folds": folds,
    }


def render(report: dict) -> str:
    rows = [[name, str(count)] for name, count in report["wins"].items()]
    nested = ", ".join(f"{m} {s['mean']:.3f} ± {s['std']:.3f}" for m, s in report["nested"].items())
    return "\n".join(
        [
            table(rows, ["candidate", "outer folds won"]),
            "",
            f"chosen default: {report['chosen_default']}",
            f"nested estimate of the whole procedure: {nested}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "selection.json"), help="where to write the JSON report")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the outer 5-fold split (default: 5)")
    parser.add_argument("--inner", type=int, default=3, help="inner folds for the selection (default: 3)")
    parser.add_argument("--rows", type=int, help="use a stratified sample of this many rows (for quick checks)")
    args = parser.parse_args(argv)
    report = run(repeats=args.repeats, inner=args.inner, rows=args.rows)
    return publish(report, args.out, render)


if __name__ == "__main__":
    sys.exit(main())
