"""Which default model? Candidates compared by nested cross-validation, never on the reported folds.

    python benchmarks/selection.py [--out PATH] [--repeats N] [--rows N] [--inner N] [--candidates a,b]

Nested cross-validation through scikit-learn: a ``GridSearchCV`` over the
candidates below (inner StratifiedKFold, --inner folds, scored by log loss)
inside ``cross_validate`` with quality.py's outer folds (5 × --repeats
RepeatedStratifiedKFold(random_state=0)). In each outer fold the search picks
a candidate on the outer training part alone, refits it there and is scored
once on the outer test fold: the outer scores estimate the whole procedure,
selection included, without leakage. Then the same search runs once on the
whole dataset: its pick is the package's default (``HeartnetClassifier()``);
a test checks that the two agree. Every candidate is recorded with its inner
log loss (mean over the outer folds), its fit time and how many outer folds
it won. Writes reports/selection.json.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import REPORTS, publish, table
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate, train_test_split

import heartnet
from heartnet.evaluate import LOSSES, SCORING, repeated_folds

# Written down before the nested run, each complete (it does not lean on the package's defaults): the
# previous default, early-stopped on 20% of the rows, and the directions the exploration on other folds
# pointed to (piecewise-linear numbers in 4 bins, every row trained for a fixed number of epochs, TabM).
_COMMON = {"units": (32, 16), "learning_rate": 1e-3, "weight_decay": 0.0, "schedule": "constant", "batch_size": 32}
CANDIDATES = {
    "previous": _COMMON
    | {"members": 5, "ensemble": "independent", "bins": 0, "dropout": 0.3, "epochs": 300, "patience": 25},
    "ple4_5x50": _COMMON
    | {"members": 5, "ensemble": "independent", "bins": 4, "dropout": 0.3, "epochs": 50, "patience": None},
    "ple4_8x70": _COMMON
    | {"members": 8, "ensemble": "independent", "bins": 4, "dropout": 0.3, "epochs": 70, "patience": None},
    "ple4_8x60_dropout05": _COMMON
    | {"members": 8, "ensemble": "independent", "bins": 4, "dropout": 0.5, "epochs": 60, "patience": None},
    "tabm_ple4_16x50": _COMMON
    | {"members": 16, "ensemble": "batch", "bins": 4, "dropout": 0.3, "epochs": 50, "patience": None},
}


def search(candidates: dict[str, dict], *, inner: int, seed: int) -> GridSearchCV:
    """GridSearchCV over the named candidates (one grid point each, in order), scored by log loss."""
    grid = [
        {name: [value] for name, value in params.items()} or {"random_state": [seed]} for params in candidates.values()
    ]
    return GridSearchCV(
        heartnet.HeartnetClassifier(random_state=seed),
        param_grid=grid,
        scoring="neg_log_loss",
        cv=StratifiedKFold(n_splits=inner, shuffle=True, random_state=seed),
        refit=True,
        error_score="raise",
    )


def run(
    *, repeats: int = 5, splits: int = 5, inner: int = 3, rows: int | None = None, seed: int = 0, names=None
) -> dict:
    candidates = {name: CANDIDATES[name] for name in (names or CANDIDATES)}
    df = heartnet.load_dataset()
    if rows:
        df, _ = train_test_split(df, train_size=rows, stratify=df[heartnet.TARGET], random_state=seed)
    X, y = df[list(heartnet.FEATURE_NAMES)], df[heartnet.TARGET]
    started = time.perf_counter()
    outer = cross_validate(
        search(candidates, inner=inner, seed=seed),
        X,
        y,
        cv=repeated_folds(n_splits=splits, n_repeats=repeats, seed=seed),
        scoring=SCORING,
        return_estimator=True,
        error_score="raise",
    )
    names = list(candidates)
    folds = []
    for split, fitted in enumerate(outer["estimator"]):
        results = fitted.cv_results_
        folds.append(
            {
                "split": split,
                "chosen": names[fitted.best_index_],
                "inner_log_loss": {name: -float(results["mean_test_score"][i]) for i, name in enumerate(names)},
                "inner_fit_seconds": {name: float(results["mean_fit_time"][i]) for i, name in enumerate(names)},
                **{
                    metric: (-1 if metric in LOSSES else 1) * float(outer[f"test_{metric}"][split])
                    for metric in SCORING
                },
            }
        )
    final = search(candidates, inner=inner, seed=seed).fit(X, y)  # the same procedure on all the data
    seconds = time.perf_counter() - started
    wins = collections.Counter(fold["chosen"] for fold in folds)
    return {
        "cv": {
            "outer": f"RepeatedStratifiedKFold(n_splits={splits}, n_repeats={repeats}, random_state={seed})",
            "inner": f"StratifiedKFold(n_splits={inner}, shuffle=True, random_state={seed}) in each outer train part",
            "runner": "sklearn GridSearchCV (scoring neg_log_loss) inside sklearn cross_validate",
            "criterion": "mean inner log loss (lower is better)",
            "rows": len(df),
            "seconds": seconds,
        },
        "candidates": {
            name: {
                "params": params,
                "inner_log_loss": {
                    "mean": float(np.mean([fold["inner_log_loss"][name] for fold in folds])),
                    "std": float(np.std([fold["inner_log_loss"][name] for fold in folds], ddof=1)),
                },
                "fit_seconds": float(np.mean([fold["inner_fit_seconds"][name] for fold in folds])),
                "outer_folds_won": wins.get(name, 0),
                "whole_data_inner_log_loss": -float(final.cv_results_["mean_test_score"][index]),
            }
            for index, (name, params) in enumerate(candidates.items())
        },
        "chosen_default": names[final.best_index_],
        "chosen_params": candidates[names[final.best_index_]],
        "nested": {
            metric: {
                "mean": float(np.mean([fold[metric] for fold in folds])),
                "std": float(np.std([fold[metric] for fold in folds], ddof=1)),
            }
            for metric in SCORING
        },
        "folds": folds,
    }


def render(report: dict) -> str:
    rows = [
        [
            name,
            f"{entry['inner_log_loss']['mean']:.4f}",
            f"{entry['fit_seconds']:.2f}",
            str(entry["outer_folds_won"]),
            f"{entry['whole_data_inner_log_loss']:.4f}",
        ]
        for name, entry in report["candidates"].items()
    ]
    nested = ", ".join(f"{m} {s['mean']:.4f} ± {s['std']:.3f}" for m, s in report["nested"].items())
    return "\n".join(
        [
            table(rows, ["candidate", "inner log loss", "fit s", "outer folds won", "all-data inner log loss"]),
            "",
            f"chosen default: {report['chosen_default']} {report['chosen_params']}",
            f"nested estimate of the whole procedure: {nested}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "selection.json"), help="where to write the JSON report")
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the outer 5-fold split (default: 5)")
    parser.add_argument("--inner", type=int, default=3, help="inner folds for the selection (default: 3)")
    parser.add_argument("--rows", type=int, help="use a stratified sample of this many rows (for quick checks)")
    parser.add_argument("--candidates", help="comma-separated subset of the candidates (default: all)")
    args = parser.parse_args(argv)
    names = args.candidates.split(",") if args.candidates else None
    report = run(repeats=args.repeats, inner=args.inner, rows=args.rows, names=names)
    return publish(report, args.out, render)


if __name__ == "__main__":
    sys.exit(main())
