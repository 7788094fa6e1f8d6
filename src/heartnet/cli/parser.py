"""The ``heartnet`` command line: its commands, options and help (argparse), without importing TensorFlow."""

from __future__ import annotations

import argparse

from heartnet.cli.commands import (
    DEFAULT_TOP,
    cmd_data,
    cmd_evaluate,
    cmd_export,
    cmd_predict,
    cmd_recalibrate,
    cmd_score,
    cmd_train,
)
from heartnet.decision import DEFAULT_THRESHOLD, THRESHOLD_RULE, check_threshold
from heartnet.features import FEATURE_NAMES
from heartnet.numeric import SEEDS
from heartnet.recalibration import METHODS  # both numpy only: --help stays fast

__all__ = ["build_parser"]


def _probability(text: str) -> float:
    """argparse type of a threshold: a number from 0 to 1 (argparse exits with 2 and names the option otherwise)."""
    try:
        return check_threshold(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {THRESHOLD_RULE}, got {text!r}") from None


def _whole(low: int, high: int):
    """argparse type of a whole number from ``low`` to ``high`` (argparse exits with 2 and names the option)."""

    def whole(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"expected a whole number from {low} to {high}, got {text!r}")
        return value

    return whole


# Where a model is read from, or saved, when no path is given: heartnet.paths.default_model_path.
_DEFAULT_MODEL = "default: $HEARTNET_MODEL if set, else models/heartnet.keras"


def _model_option(command: argparse.ArgumentParser, what: str = "the .keras model") -> None:
    """The --model option every command that reads a saved model takes."""
    command.add_argument("--model", metavar="PATH", help=f"{what} ({_DEFAULT_MODEL})")


def _command(subcommands, handler, name: str, **texts) -> argparse.ArgumentParser:
    """A subcommand (``help``, ``description``) that runs ``handler``; its own usage answers its mistakes."""
    command = subcommands.add_parser(name, **texts)
    command.set_defaults(handler=handler, command_parser=command)
    return command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heartnet",
        description="Coronary artery disease prediction from 11 clinical features with a Keras neural network.",
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data = _command(
        subcommands,
        cmd_data,
        "data",
        help="fetch and verify the dataset, or write one hospital's patients",
        description="Put the verified dataset in the cache (data/heart.csv). With --hospital and --out, write "
        "that hospital's labelled patients as a CSV: a hospital to check a model trained without it on.",
    )
    data.add_argument("--hospital", metavar="NAME", help="Hungary, Switzerland, Long Beach VA or Cleveland")
    data.add_argument("--out", metavar="CSV", help="where to write the hospital's patients")
    data.add_argument(
        "--halves", action="store_true", help="write two stratified halves instead, OUT_a.csv and OUT_b.csv"
    )

    train = _command(
        subcommands,
        cmd_train,
        "train",
        help="train and save the model",
        description="Stratified 80/20 split, train on 80%, report held-out metrics, save model and metadata.",
    )
    train.add_argument(
        "--seed", type=_whole(0, SEEDS - 1), default=0, help="seed of the split and of training (default: 0)"
    )
    train.add_argument("--out", metavar="PATH", help=f"where to save the .keras model ({_DEFAULT_MODEL})")
    train.add_argument(
        "--data", metavar="CSV", help="train on your own CSV with the same columns (default: built-in dataset)"
    )
    train.add_argument(
        "--without-hospital",
        metavar="NAME",
        help="leave one hospital's patients out of the built-in dataset (to check the model on it afterwards)",
    )
    train.add_argument(
        "--threshold",
        type=_probability,
        metavar="T",
        help="decision threshold saved with the model, used by predict, evaluate, score and the app "
        f"(default: {DEFAULT_THRESHOLD:g}, heartnet.DEFAULT_THRESHOLD: four unnecessary further tests accepted "
        "to find one patient with disease)",
    )

    predict = _command(
        subcommands,
        cmd_predict,
        "predict",
        help="predict one patient",
        description="Print the probability of coronary artery disease and the class at the model's threshold.",
    )
    predict.add_argument("row", metavar="ROW", help="JSON object of the 11 fields, @file.json, or - for standard input")
    predict.add_argument("--json", action="store_true", help="print JSON instead of text")
    predict.add_argument(
        "--explain",
        action="store_true",
        help="also print the base rate and the largest Shapley contributions (percentage points)",
    )
    predict.add_argument(
        "--top",
        type=_whole(1, len(FEATURE_NAMES)),
        metavar="N",
        help=f"how many contributions --explain prints (default: {DEFAULT_TOP}; only with --explain)",
    )
    _model_option(predict)

    evaluate = _command(
        subcommands,
        cmd_evaluate,
        "evaluate",
        help="metrics of a saved model on its held-out split, or on a labelled CSV of your own",
        description="Recompute the saved model's metrics on the held-out rows recorded in its metadata; with "
        "--data, check it on your own labelled patients: discrimination, calibration and the errors at the "
        "model's threshold. Rows that fail validation are listed with their line and left out.",
    )
    _model_option(evaluate)
    evaluate.add_argument(
        "--data", metavar="CSV", help="a labelled CSV (the 11 fields and HeartDisease) to evaluate on instead"
    )
    evaluate.add_argument("--json", action="store_true", help="print JSON instead of text")

    recalibrate = _command(
        subcommands,
        cmd_recalibrate,
        "recalibrate",
        help="adapt a saved model to your hospital from a labelled CSV",
        description="Refit the intercept (and slope) of the model's logit on your labelled patients and save the "
        "recalibrated model as a new .keras file whose output is the recalibrated probability.",
    )
    recalibrate.add_argument("data", metavar="CSV", help="a labelled CSV: the 11 fields and HeartDisease (0/1)")
    _model_option(recalibrate, "the base .keras model")
    recalibrate.add_argument("--out", metavar="PATH", required=True, help="where to save the new .keras model")
    recalibrate.add_argument(
        "--method",
        choices=METHODS,
        default="auto",
        help="intercept: shift the logit; logistic: intercept and slope; auto (default): none, intercept or "
        "logistic by the closed testing procedure",
    )

    score = _command(
        subcommands,
        cmd_score,
        "score",
        help="score a CSV of patients, streaming",
        description="Score every row of INPUT into OUTPUT (input columns + probability + prediction), "
        "in chunks; rows that fail validation go to --rejects with their line and reason.",
    )
    score.add_argument("input", metavar="INPUT.csv", help="comma- or semicolon-separated CSV with the 11 fields")
    score.add_argument("output", metavar="OUTPUT.csv", help="where to write the scored rows (written atomically)")
    score.add_argument("--threshold", type=_probability, metavar="T", help="decision threshold (default: the model's)")
    score.add_argument("--chunk-size", type=int, metavar="N", help="rows per chunk (default: 100,000)")
    score.add_argument("--rejects", metavar="REJECTS.csv", help="write the rejected rows' line and reason here")
    _model_option(score)

    export = _command(
        subcommands,
        cmd_export,
        "export",
        help="export a SavedModel for TensorFlow Serving",
        description="Write a SavedModel whose serving signature takes the raw named features, plus a README.",
    )
    export.add_argument("directory", metavar="DIR", help="folder to create (must not exist or be empty)")
    _model_option(export)
    return parser
