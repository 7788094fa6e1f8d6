"""Before trusting a check on local patients: were they the model's training rows, and are they enough?

A hospital checks the model on its own labelled patients (``heartnet evaluate
--data``, «Validar en mi hospital») and may recalibrate it with them. Two
things decide whether that check means anything:

- **The patients must be new to the model.** A check on rows the model was
  trained on flatters it. ``heartnet train`` keeps in the model's training record a
  fingerprint of every training row (``row_fingerprints``: a short hash of
  its 11 validated values, so the rows themselves are not stored), and
  ``rows_seen_in_training`` counts the local rows that match one.
- **They must be enough.** ``patients_needed`` computes, with
  ``pmvalsampsize`` (Riley et al., Stat Med 2021, the field's method for the
  size of an external validation), how many patients give the calibration
  slope's interval a width of ``SLOPE_WIDTH`` (± half of it), the observed/
  expected ratio's ``OE_WIDTH`` and the ROC AUC's ``C_WIDTH``, from the
  hospital's prevalence, the model's expected ROC AUC and the spread of its
  predictions. A recalibration re-estimates the calibration (its intercept,
  perhaps its slope) and leaves the ranking, hence the ROC AUC, as it was: the
  patients it needs are those of the two calibration criteria
  (``patients_to_recalibrate``), and ``heartnet recalibrate`` and the app warn
  below them. The code's own minimum (``heartnet.updating.MIN_ROWS``) is only
  the floor under which it refuses to fit at all.

``read_labelled`` reads the local patients (``LocalData``: the valid rows and
the lines of the others) and ``local_evaluation`` puts the check together: the
one report for ``heartnet evaluate --data`` and the app's validar page alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from heartnet.cells import check_patients
from heartnet.csvio import PatientsFile, read_patients
from heartnet.errors import LocalDataError
from heartnet.evaluate import classification_metrics, probability_metrics
from heartnet.features import FEATURE_NAMES, FEATURES, TARGET
from heartnet.files import file_sha256
from heartnet.logits import logit
from heartnet.validation import not_a_label

__all__ = [
    "C_WIDTH",
    "OE_WIDTH",
    "RECALIBRATION_CRITERIA",
    "SLOPE_WIDTH",
    "LocalData",
    "local_evaluation",
    "patients_needed",
    "patients_to_recalibrate",
    "read_labelled",
    "row_fingerprints",
    "rows_seen_in_training",
]

SLOPE_WIDTH = 0.4  # the calibration slope's 95 % interval: ± 0.2
OE_WIDTH = 0.2  # the observed/expected ratio's interval (pmvalsampsize's default)
C_WIDTH = 0.1  # the ROC AUC's interval (pmvalsampsize's default)
# What a recalibration re-estimates: calibration in the large and the slope, not the ranking (the ROC AUC).
RECALIBRATION_CRITERIA = ("calibration_in_the_large", "calibration_slope")
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
    """How many validated rows of ``frame`` are rows the model was trained on (``fingerprints``: its record's)."""
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


def patients_to_recalibrate(y_true, probabilities) -> dict | None:
    """``patients_needed`` for these patients at the ROC AUC the model reaches on them, plus ``recalibration``.

    ``recalibration`` is the larger of the two calibration criteria
    (``RECALIBRATION_CRITERIA``): the patients whose recalibration is estimated
    to the intervals ``patients_needed`` asks of a check. The ROC AUC used is
    the one ``heartnet evaluate --data`` prints for the same patients. Returns
    None when the patients do not include both outcomes (nothing to compute).
    """
    y = np.asarray(y_true, dtype=int)
    if len(np.unique(y)) < 2:
        return None
    roc_auc = probability_metrics(y, probabilities, metrics=("roc_auc",))["roc_auc"]
    needed = patients_needed(y, probabilities, c_statistic=roc_auc)
    return needed | {"recalibration": max(needed["by_criterion"][name] for name in RECALIBRATION_CRITERIA)}


def local_evaluation(model, frame: pd.DataFrame, probabilities) -> dict:
    """A check of ``model`` (a ``TrainedModel``) on local labelled patients: what the command line and the app show.

    ``frame`` holds validated rows with their ``HeartDisease``, ``probabilities``
    the model's for them (the caller predicts: the command line also warns about
    values outside the training ranges). Returns ``classification_metrics`` at
    the model's threshold plus ``rows_seen_in_training`` (how many of these rows
    trained it: a check on them flatters it) and ``patients_needed``
    (``patients_to_recalibrate``; None without patients with and without the disease).
    """
    y = frame[TARGET].to_numpy()
    result = classification_metrics(y, probabilities, threshold=model.threshold)
    result["rows_seen_in_training"] = rows_seen_in_training(frame, model.training_fingerprints)
    result["patients_needed"] = patients_to_recalibrate(y, probabilities)
    return result


@dataclass(frozen=True)
class LocalData:
    """A labelled CSV as read for evaluation: the valid rows, and the lines of the others with their problems."""

    frame: pd.DataFrame  # the valid rows: the 11 validated features and HeartDisease
    rejected: dict[int, list]  # file line -> its ValidationErrors (bad values, or the wrong number of fields)
    rows_read: int
    sha256: str | None = None

    @property
    def left_out(self) -> int:
        """How many rows were left out: bad values or the wrong number of fields."""
        return len(self.rejected)


def read_labelled(source: bytes | str | os.PathLike, *, name: object = None) -> LocalData:
    """A labelled CSV of local patients (the 11 columns and ``HeartDisease``), read as ``heartnet score`` reads.

    Rows with a bad value are left out and kept in ``rejected`` by line; a
    label other than 0/1 makes the whole file unusable (a ``DataError``
    naming its line), since a wrong label cannot be left out silently.
    """
    name = name or ("the upload" if isinstance(source, bytes) else str(source))
    patients = read_patients(source, name=name, required=(*FEATURE_NAMES, TARGET), set_aside=True)
    _check_labels(patients, name)
    checked = check_patients(patients)
    frame = checked.frame()
    frame[TARGET] = patients.values.loc[checked.good, TARGET].astype("int64").to_numpy()
    sha256 = hashlib.sha256(source).hexdigest() if isinstance(source, bytes) else file_sha256(Path(source))
    rows_read = len(patients.values) + len(patients.malformed)
    return LocalData(frame, checked.rejects, rows_read, sha256)


def _check_labels(patients: PatientsFile, name: str) -> None:
    bad = not_a_label(patients.values[TARGET])
    if bad.any():
        position = int(np.flatnonzero(bad)[0])
        value = patients.cells[TARGET].iloc[position]
        line = int(patients.lines[position])
        message = f"{name}, line {line}: {TARGET} must be 0 or 1 in every row; got {value!r}"
        raise LocalDataError("bad_label", message, line=line, value=value)
