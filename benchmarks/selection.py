"""Which default model? Candidates compared by how they transfer to a hospital they have not seen.

    python benchmarks/selection.py [--out PATH] [--rows N] [--candidates a,b]

A hospital that adopts heartnet is a hospital the model has not seen, so the
criterion is the leave-one-hospital-out log loss. Nested through
scikit-learn: a ``GridSearchCV`` over the candidates below, its inner folds
``LeaveOneGroupOut`` by hospital (``groups=`` the hospital), scored by log
loss, inside ``cross_validate`` whose outer folds leave one hospital out too.
In each outer fold the search picks a candidate on the other hospitals
alone, refits it there and is scored once on the held-out hospital: the outer
scores estimate the whole procedure, selection included. Then the same search
runs once on the training rows of the held-out split that ``heartnet train``
and ``heartnet evaluate`` use (``heartnet.evaluate.holdout_split``, seed 0),
so no row they call held out takes part in any choice: its pick is the
package's default (``HeartnetClassifier()``), and a test checks that the two
agree. Every candidate is recorded with its inner log loss (mean over the
outer folds), its fit time and how many outer folds it won. Writes
reports/selection.json.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from common import REPORTS, publish
from sklearn.model_selection import GridSearchCV, LeaveOneGroupOut, cross_validate, train_test_split

import heartnet
from heartnet.evaluate import LOSSES, SCORING, holdout_split, hospital_folds
from heartnet.features import HOSPITAL
from heartnet.reports import markdown_table

# Written down before the grouped run, each complete (it does not lean on the package's defaults): the
# default of the pooled search (8 MLPs, 4 bins, dropout 0.5, 60 epochs) and the previous ones, then what
# the quick leave-one-hospital-out try pointed to (a smaller network, fewer epochs), and the
# default with an unmeasured cholesterol filled with the mean (no indicator) or dropped.
_COMMON = {"units": (32, 16), "learning_rate": 1e-3, "weight_decay": 0.0, "schedule": "constant", "batch_size": 32}
_PLE8 = _COMMON | {"members": 8, "ensemble": "independent", "bins": 4, "dropout": 0.5, "patience": None}
CANDIDATES = {
    "ple4_8x60_dropout05": _PLE8 | {"epochs": 60, "missing": "indicator"},
    "previous": _COMMON
    | {"members": 5, "ensemble": "independent", "bins": 0, "dropout": 0.3, "epochs": 300, "patience": 25}
    | {"missing": "indicator"},
    "ple4_5x50": _COMMON
    | {"members": 5, "ensemble": "independent", "bins": 4, "dropout": 0.3, "epochs": 50, "patience": None}
    | {"missing": "indicator"},
    "tabm_ple4_16x50": _COMMON
    | {"members": 16, "ensemble": "batch", "bins": 4, "dropout": 0.3, "epochs": 50, "patience": None}
    | {"missing": "indicator"},
    "ple4_8x30_dropout05": _PLE8 | {"epochs": 30, "missing": "indicator"},
    "ple4_8x60_dropout05_16": _PLE8 | {"epochs": 60, "missing": "indicator", "units": (16,)},
    "ple4_8x30_dropout05_16": _PLE8 | {"epochs": 30, "missing": "indicator", "units": (16,)},
    "ple4_8x60_dropout05_mean": _PLE8 | {"epochs": 60, "missing": "mean"},
    "ple4_8x60_dropout05_drop": _PLE8 | {"epochs": 60, "missing": "drop"},
}


def search(candidates: dict[str, dict], *, seed: int) -> GridSearchCV:
    """GridSearchCV over the named candidates (one grid point each, in order), leave one hospital out, log loss.

    Its ``fit`` needs ``groups=`` the hospital of each row.
    """
    grid = [
        {name: [value] for name, value in params.items()} or {"random_state": [seed]} for params in candidates.values()
    ]
    return GridSearchCV(
        heartnet.HeartnetClassifier(random_state=seed),
        param_grid=grid,
        scoring="neg_log_loss",
        cv=LeaveOneGroupOut(),  # the groups come with fit
        refit=True,
        error_score="raise",
    )


def run(*, rows: int | None = None, seed: int = 0, names=None) -> dict:
    candidates = {name: CANDIDATES[name] for name in (names or CANDIDATES)}
    df = heartnet.load_dataset(with_hospital=True)
    train_rows, _ = holdout_split(df, seed=seed)  # the split heartnet train records
    if rows:
        strata = df[HOSPITAL].astype(str) + "/" + df[heartnet.TARGET].astype(str)
        df, _ = train_test_split(df, train_size=rows, stratify=strata, random_state=seed)
        df = df.sort_index()
        train_rows = np.intersect1d(train_rows, df.index)
    X, y, groups = df[list(heartnet.FEATURE_NAMES)], df[heartnet.TARGET], df[HOSPITAL].to_numpy()
    started = time.perf_counter()
    outer = cross_validate(
        search(candidates, seed=seed),
        X,
        y,
        groups=groups,
        cv=hospital_folds(groups),
        scoring=SCORING,
        params={"groups": groups},
        return_estimator=True,
        return_indices=True,
        error_score="raise",
    )
    names = list(candidates)
    folds = []
    for split, fitted in enumerate(outer["estimator"]):
        results = fitted.cv_results_
        held_out = groups[outer["indices"]["test"][split]]
        folds.append(
            {
                "split": split,
                "held_out": str(held_out[0]),
                "chosen": names[fitted.best_index_],
                "inner_log_loss": {name: -float(results["mean_test_score"][i]) for i, name in enumerate(names)},
                "inner_fit_seconds": {name: float(results["mean_fit_time"][i]) for i, name in enumerate(names)},
                **{
                    metric: (-1 if metric in LOSSES else 1) * float(outer[f"test_{metric}"][split])
                    for metric in SCORING
                },
            }
        )
    # The same procedure on the held-out split's training rows only: the package's default.
    training = df.loc[train_rows]
    final = search(candidates, seed=seed).fit(
        training[list(heartnet.FEATURE_NAMES)], training[heartnet.TARGET], groups=training[HOSPITAL].to_numpy()
    )
    seconds = time.perf_counter() - started
    wins = collections.Counter(fold["chosen"] for fold in folds)
    return {
        "cv": {
            "outer": "LeaveOneGroupOut by hospital (each hospital held out once)",
            "inner": "LeaveOneGroupOut by hospital among the outer training hospitals",
            "runner": "sklearn GridSearchCV (scoring neg_log_loss, groups=Hospital) inside sklearn cross_validate",
            "criterion": "mean leave-one-hospital-out log loss (lower is better)",
            "rows": len(df),
            "final_search": {
                "rows": len(training),
                "split": f"training rows of heartnet.evaluate.holdout_split(seed={seed}); "
                "its held-out rows take part in no choice",
            },
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
            "\n".join(
                markdown_table(
                    ["candidate", "inner log loss", "fit s", "outer folds won", "final-search inner log loss"], rows
                )
            ),
            "",
            f"chosen default: {report['chosen_default']} {report['chosen_params']}",
            f"nested estimate of the whole procedure: {nested}",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "selection.json"), help="where to write the JSON report")
    parser.add_argument("--rows", type=int, help="a sample of this many rows, stratified by hospital and outcome")
    parser.add_argument("--candidates", help="comma-separated subset of the candidates (default: all)")
    args = parser.parse_args(argv)
    names = args.candidates.split(",") if args.candidates else None
    report = run(rows=args.rows, names=names)
    return publish(report, args.out, render)


if __name__ == "__main__":
    sys.exit(main())
