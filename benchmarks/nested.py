"""The project's headline number with a 95 % interval: the nested leave-one-hospital-out estimate, repeated.

    python -m benchmarks.nested [--out PATH] [--selection PATH] [--resamples N] [--seed N]

Reads the nested search's report (reports/selection.json, ``make search``; the
search itself is not rerun): for each outer fold, refits the candidate the
search chose without that hospital (``HeartnetClassifier(random_state=0,
**params)``) on the other three and predicts the one held out. Each
hospital's ROC AUC and log loss must repeat the report's; if not, the report
is stale (exit 2: run ``make search``). Then a percentile bootstrap
(``scipy.stats.bootstrap``, 2000 resamples, ``numpy.random.default_rng(0)``)
resamples patients within each hospital and class, so every resample keeps
each hospital's size and disease rate, and gives a 95 % interval of the mean
of the four hospitals' ROC AUCs, and of their log losses. The interval says
how precisely the mean is known for these four hospitals; the spread between
them (from the lowest to the highest) is recorded beside it, since a new
hospital may fall anywhere in it, or outside. Writes reports/nested.json.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from scipy import stats

import heartnet
from benchmarks.common import REPORTS, publish
from benchmarks.tables import nested_estimate
from heartnet.errors import DataError, HeartnetError
from heartnet.evaluate import roc_auc_of_classes
from heartnet.features import HOSPITAL
from heartnet.logits import EPSILON

METRICS = ("roc_auc", "log_loss")


def _log_loss(diseased, healthy, axis=-1):
    """The mean of −log(p) over the diseased patients and of −log(1 − p) over the healthy ones, together."""
    diseased, healthy = np.clip(diseased, EPSILON, 1 - EPSILON), np.clip(healthy, EPSILON, 1 - EPSILON)
    total = np.log(diseased).sum(axis=axis) + np.log1p(-healthy).sum(axis=axis)
    return -total / (diseased.shape[axis] + healthy.shape[axis])


# Each metric of one hospital, from its diseased and its healthy patients' probabilities (vectorized over resamples).
BY_CLASS = {"roc_auc": roc_auc_of_classes, "log_loss": _log_loss}


def hospital_mean_interval(
    y_true, probabilities, hospitals, metric: str, *, resamples: int = 2000, seed: int = 0, confidence: float = 0.95
) -> dict:
    """The mean over hospitals of ``metric`` (``roc_auc`` or ``log_loss``), with a percentile bootstrap interval.

    The metric is computed within each hospital; the statistic is its mean over
    the hospitals, each counting once whatever its size. ``scipy.stats.bootstrap``
    resamples patients within each hospital and class (hospitals in order of
    first appearance, the diseased first), so each resample keeps every
    hospital's size and disease rate. Returns ``mean``, ``low``, ``high``.
    """
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    hospitals = np.asarray(hospitals, dtype=object)
    samples = [
        probabilities[(hospitals == hospital) & (y_true == label)]
        for hospital in dict.fromkeys(hospitals)
        for label in (1, 0)
    ]
    by_class = BY_CLASS[metric]

    def mean_over_hospitals(*samples, axis=-1):
        pairs = zip(samples[::2], samples[1::2], strict=True)
        return np.mean([by_class(diseased, healthy, axis=axis) for diseased, healthy in pairs], axis=0)

    result = stats.bootstrap(
        samples,
        mean_over_hospitals,
        n_resamples=resamples,
        confidence_level=confidence,
        method="percentile",
        rng=np.random.default_rng(seed),
    )
    low, high = result.confidence_interval
    return {"mean": float(mean_over_hospitals(*samples)), "low": float(low), "high": float(high)}


def refit_outer_folds(selection: dict, df) -> np.ndarray:
    """Each patient's probability from the candidate the search chose without their hospital, refitted on the rest."""
    X, y, where = df[list(heartnet.FEATURE_NAMES)], df[heartnet.TARGET].to_numpy(), df[HOSPITAL].to_numpy()
    nested = np.full(len(df), np.nan)
    for fold in selection["folds"]:
        params = selection["candidates"][fold["chosen"]]["params"]
        out = where == fold["held_out"]
        refit = heartnet.HeartnetClassifier(random_state=0, **params).fit(X[~out], y[~out])
        nested[out] = refit.predict_proba(X[out])[:, 1]
    return nested


def summarize(selection: dict, y_true, probabilities, hospitals, *, resamples: int = 2000, seed: int = 0) -> dict:
    """The report: per hospital and overall, after checking each hospital repeats the search's outer fold.

    Raises ``DataError`` naming the first hospital whose ROC AUC or log loss differs from
    the search's report (a report written from other data or code), or a hospital the search did not hold out.
    """
    y_true, probabilities = np.asarray(y_true, dtype=int), np.asarray(probabilities, dtype=float)
    hospitals = np.asarray(hospitals, dtype=object)
    folds = {fold["held_out"]: fold for fold in selection["folds"]}
    per_hospital = {}
    for hospital in dict.fromkeys(hospitals):
        if hospital not in folds:
            raise DataError(f"the search held out no hospital named {hospital!r}; run `make search`")
        rows = hospitals == hospital
        diseased, healthy = probabilities[rows & (y_true == 1)], probabilities[rows & (y_true == 0)]
        measured = {metric: float(BY_CLASS[metric](diseased, healthy)) for metric in METRICS}
        for metric, value in measured.items():
            if not np.isclose(value, folds[hospital][metric]):
                raise DataError(
                    f"{hospital}: {metric} {value:.4f} refitted, {folds[hospital][metric]:.4f} in the search's "
                    "report; the report is stale: run `make search`"
                )
        per_hospital[hospital] = {
            "patients": int(rows.sum()),
            "diseased": len(diseased),
            "chosen": folds[hospital]["chosen"],
            **measured,
        }
    overall = {}
    for metric in METRICS:
        values = [entry[metric] for entry in per_hospital.values()]
        interval = hospital_mean_interval(y_true, probabilities, hospitals, metric, resamples=resamples, seed=seed)
        overall[metric] = interval | {"range": [min(values), max(values)]}
    return {
        "method": "percentile bootstrap (scipy.stats.bootstrap) of the mean over hospitals of each hospital's "
        "metric, patients resampled within hospital and class; each held-out hospital predicted by the candidate "
        "the nested search chose without it, refitted on the other hospitals (HeartnetClassifier, random_state 0)",
        "confidence": 0.95,
        "resamples": resamples,
        "seed": seed,
        "selection_source": selection.get("source"),
        **overall,
        "hospitals": per_hospital,
    }


def run(selection_path: str | Path, *, resamples: int = 2000, seed: int = 0) -> dict:
    try:
        selection = json.loads(Path(selection_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(
            f"cannot read the nested search's report {selection_path}: {error}; run `make search`"
        ) from None
    df = heartnet.load_dataset(with_hospital=True)
    probabilities = refit_outer_folds(selection, df)
    return summarize(
        selection, df[heartnet.TARGET], probabilities, df[HOSPITAL].to_numpy(), resamples=resamples, seed=seed
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.nested", description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(REPORTS / "nested.json"), help="where to write the JSON report")
    parser.add_argument(
        "--selection", default=str(REPORTS / "selection.json"), help="the nested search's report (make search)"
    )
    parser.add_argument("--resamples", type=int, default=2000, help="bootstrap resamples (default: 2000)")
    parser.add_argument("--seed", type=int, default=0, help="the bootstrap's seed (default: 0)")
    args = parser.parse_args(argv)
    try:
        report = run(args.selection, resamples=args.resamples, seed=args.seed)
    except HeartnetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return publish(report, args.out, nested_estimate)


if __name__ == "__main__":
    sys.exit(main())
