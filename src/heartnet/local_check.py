"""Before trusting a check on local patients: were they the model's training rows, and are they enough?

A hospital checks the model on its own labelled patients (``heartnet evaluate
--data``, «Validar en mi hospital») and may recalibrate it with them. Two
things decide whether that check means anything:

- **The patients must be new to the model.** A check on rows the model was
  trained on flatters it. ``heartnet train`` keeps in the model's metadata a
  fingerprint of every training row (``row_fingerprints``: a short hash of
  its 11 validated values, so the rows themselves are not stored), and
  ``rows_seen_in_training`` counts the local rows that match one.
- **They must be enough.** ``patients_needed`` computes, with
  ``pmvalsampsize`` (Riley et al., Stat Med 2021, the field's method for the
  size of an external validation), how many patients give the calibration
  slope's interval a width of ``SLOPE_WIDTH`` (± half of it), the observed/
  expected ratio's ``OE_WIDTH`` and the ROC AUC's ``C_WIDTH``, from the
  hospital's prevalence, the model's expected ROC AUC and the spread of its
  predictions.
"""

from __future__ import annotations

import contextlib
import hashlib
import io

import numpy as np
import pandas as pd

from heartnet.features import FEATURES
from heartnet.logits import logit

__all__ = ["C_WIDTH", "OE_WIDTH", "SLOPE_WIDTH", "patients_needed", "row_fingerprints", "rows_seen_in_training"]

SLOPE_WIDTH = 0.4  # the calibration slope's 95 % interval: ± 0.2
OE_WIDTH = 0.2  # the observed/expected ratio's interval (pmvalsampsize's default)
C_WIDTH = 0.1  # the ROC AUC's interval (pmvalsampsize's default)
_DIGEST_CHARACTERS = 16  # 64 bits of sha256: a chance match among a hospital's rows is negligible


def _canonical(value: object) -> str:
    if isinstance(value, float):
        return "nan" if np.isnan(value) else repr(float(value))
    return str(value)


def row_fingerprints(frame: pd.DataFrame) -> list[str]:
    """A short sha256 of each validated row's 11 values (NaN for a cholesterol not measured), in row order."""
    names = [feature.name for feature in FEATURES]
    return [
        hashlib.sha256("|".join(_canonical(value) for value in row).encode()).hexdigest()[:_DIGEST_CHARACTERS]
        for row in frame[names].astype(object).itertuples(index=False, name=None)
    ]


def rows_seen_in_training(frame: pd.DataFrame, fingerprints) -> int:
    """How many validated rows of ``frame`` are rows the model was trained on (``fingerprints``: its metadata's)."""
    if not fingerprints:
        return 0
    seen = set(fingerprints)
    return sum(fingerprint in seen for fingerprint in row_fingerprints(frame))


def patients_needed(y_true, probabilities, c_statistic: float) -> dict:
    """How many local patients an external validation needs (pmvalsampsize, binary outcome), and for what.

    ``y_true`` and ``probabilities`` are the local patients' outcomes and the
    model's probabilities for them: their prevalence and the spread of the
    model's logits (a normal with their mean and deviation) describe the
    hospital; ``c_statistic`` is the ROC AUC the model is expected to reach
    there. Returns ``patients`` (the largest of the criteria), ``by_criterion``
    (``calibration_in_the_large``, ``calibration_slope``, ``c_statistic``) and
    the interval widths asked for. Raises ``ValueError`` when the prevalence is
    0 or 1 (nothing to compute).
    """
    from pmvalsampsize.pmvalsampsize import pmvalsampsize  # only where a sample size is asked for

    y = np.asarray(y_true, dtype=float)
    prevalence = float(y.mean()) if y.size else np.nan
    if not 0 < prevalence < 1:
        raise ValueError("a sample size needs patients with and without the disease")
    logits = logit(probabilities)
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its table besides returning it
        result = pmvalsampsize(
            type="b",
            prevalence=prevalence,
            cstatistic=float(np.clip(c_statistic, 0.51, 0.99)),
            lpnormal=(float(logits.mean()), float(max(logits.std(), 1e-3))),
            oeciwidth=OE_WIDTH,
            csciwidth=SLOPE_WIDTH,
            cstatciwidth=C_WIDTH,
            noprint=True,
        )
    rows = {row[0]: int(row[1]) for row in result["results_table"] if isinstance(row, list) and len(row) > 1}
    return {
        "patients": int(result["sample_size"]),
        "by_criterion": {
            "calibration_in_the_large": rows["Criteria 1 - O/E"],
            "calibration_slope": rows["Criteria 2 - C-slope"],
            "c_statistic": rows["Criteria 3 - C statistic"],
        },
        "widths": {"calibration_in_the_large": OE_WIDTH, "calibration_slope": SLOPE_WIDTH, "c_statistic": C_WIDTH},
        "prevalence": prevalence,
        "c_statistic": float(c_statistic),
    }
