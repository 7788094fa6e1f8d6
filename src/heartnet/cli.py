"""The ``heartnet`` command: data, train, predict, evaluate, recalibrate, score, export.

Exit codes: 0 success; 2 for anything the user can fix (bad row, bad file,
missing model, checksum mismatch, a path the system refuses: no permission,
no such folder, a full disk, standard output closed or full), with a one-line
message and no traceback; 1 only for bugs.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

EXIT_OK = 0
EXIT_USER_ERROR = 2


_CLASS_NAMES = {0: "no coronary artery disease", 1: "coronary artery disease"}
_RATE_LABELS = {"sensitivity": "sensitivity", "specificity": "specificity", "ppv": "PPV", "npv": "NPV"}


class UsageError(Exception):
    """A problem with the command line's own input (exit code 2)."""


def _display(path: Path) -> str:
    """A path as the user should see it (see _without_absolute_paths)."""
    return _without_absolute_paths(str(Path(path).resolve()))


def _without_absolute_paths(message: str) -> str:
    """Messages and logs name files relative to the current folder or the checkout, and ~ for home."""
    from heartnet.paths import project_root

    for folder, shown in ((Path.cwd().resolve(), ""), (project_root(), ""), (Path.home(), "~/")):
        message = message.replace(f"{folder}{os.sep}", shown)
    return message


def _probability(text: str) -> float:
    """argparse type of a threshold: a number from 0 to 1 (argparse exits with 2 and names the option otherwise)."""
    from heartnet.decision import THRESHOLD_RULE, check_threshold  # numpy only: --help stays fast

    try:
        return check_threshold(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {THRESHOLD_RULE}, got {text!r}") from None


def _confusion_lines(matrix: dict) -> list[str]:
    """The confusion matrix's two rows, true 0 then true 1."""
    return [f"  {matrix['tn']:>5} {matrix['fp']:>5}", f"  {matrix['fn']:>5} {matrix['tp']:>5}"]


def _format_metrics(metrics: dict) -> str:
    return "\n".join(
        [
            f"ROC AUC {metrics['roc_auc']:.3f}   Brier {metrics['brier']:.3f}   log loss {metrics['log_loss']:.3f}",
            *_threshold_lines(metrics),
        ]
    )


def _threshold_lines(result: dict) -> list[str]:
    """What a result says at its threshold: accuracy and F1 when given, the four rates, the confusion matrix."""

    def number(value, digits: int = 3) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    threshold = f"{result['threshold']:g}"
    rates = "   ".join(
        f"{label} {number(result[name])} [{number(result[name + '_low'])}, {number(result[name + '_high'])}]"
        for name, label in _RATE_LABELS.items()
    )
    lines = [f"at threshold {threshold} (95% Wilson intervals): {rates}"]
    if "accuracy" in result:
        lines.append(f"at threshold {threshold}: accuracy {result['accuracy']:.3f}   F1 {result['f1']:.3f}")
    return [
        *lines,
        f"confusion matrix at threshold {threshold} (rows: true 0/1, columns: predicted 0/1):",
        *_confusion_lines(result["confusion_matrix"]),
    ]


def _cmd_data(args: argparse.Namespace) -> int:
    from heartnet.data import dataset_facts, fetch_dataset

    path = fetch_dataset()
    facts = dataset_facts()
    missing = ", ".join(f"{count['rows']} without {name}" for name, count in facts["missing"].items())
    dropped = ", ".join(f"{count} dropped for an impossible {name}" for name, count in facts["dropped"].items())
    print(f"dataset ready at {_display(path)}: {facts['rows']} rows, sha256 verified; {missing}; {dropped}")
    return EXIT_OK


def _cmd_train(args: argparse.Namespace) -> int:
    from heartnet.files import check_writable
    from heartnet.paths import default_model_path
    from heartnet.training import train_and_save

    out = Path(args.out) if args.out else default_model_path()
    if out.suffix != ".keras":
        raise UsageError(f"--out must end in .keras, got {_display(out)}")
    check_writable(out)  # said now, not after training
    command = ["heartnet", "train", "--seed", str(args.seed)]
    command += [f"--threshold {args.threshold:g}"] if args.threshold is not None else []
    command += [f"--data {args.data}"] if args.data else []
    run = train_and_save(args.data, seed=args.seed, threshold=args.threshold, out=args.out, command=" ".join(command))
    rows = f"trained on {len(run.train_rows)} rows in {run.seconds:.1f} s; held-out {len(run.test_rows)} rows"
    print(f"{rows} (seed {args.seed}):")
    print(_format_metrics(run.metrics))
    print(f"saved {_display(run.path)} and {_display(run.path.with_suffix('.json'))}")
    return EXIT_OK


def _read_row_argument(text: str) -> object:
    if text == "-":
        source, raw = "standard input", sys.stdin.read()
    elif text.startswith("@"):
        source = text[1:]
        try:
            raw = Path(source).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise UsageError(f"cannot read {source}: {getattr(error, 'strerror', None) or error}") from None
    else:
        source, raw = "the ROW argument", text
    try:
        return json.loads(raw)
    except json.JSONDecodeError as error:
        raise UsageError(
            f"{source} is not valid JSON ({error.msg} at line {error.lineno} column {error.colno})"
        ) from None


def _cmd_predict(args: argparse.Namespace) -> int:
    from heartnet.inference import predict, predict_one
    from heartnet.storage import load

    data = _read_row_argument(args.row)
    if not isinstance(data, dict) and not (isinstance(data, list) and data):
        raise UsageError(f"ROW must be a JSON object of field values (or a list of them), got {type(data).__name__}")
    model = load(args.model)
    threshold = model.threshold
    try:
        if args.explain:  # the explanation validates the rows once and sums exactly to each probability
            probabilities, explanations = _explanations(model, [data] if isinstance(data, dict) else data, args.top)
        else:
            probabilities = [predict_one(data, model)] if isinstance(data, dict) else predict(data, model)
            explanations = None
    except TypeError as error:  # a list item that is not an object
        raise UsageError(str(error)) from None
    for index, (probability, prediction) in enumerate(
        zip(probabilities, model.classify(probabilities).tolist(), strict=True)
    ):
        answer = {"probability": float(probability), "prediction": prediction, "threshold": threshold}
        if explanations is not None:
            answer |= explanations[index]
        if args.json:
            if explanations is not None:  # percentage points to the hundredth are plenty in JSON
                answer["contributions"] = {name: round(points, 2) for name, points in answer["contributions"].items()}
            print(json.dumps(answer))
            continue
        label = f"class {prediction} ({_CLASS_NAMES[prediction]})"
        print(f"probability {probability:.3f} -> {label} at threshold {threshold:g}")
        if explanations is not None:
            print(f"  base rate {answer['base']:.3f} (mean prediction over training rows); largest contributions:")
            for name, points in answer["contributions"].items():
                print(f"    {name:<16} {points:+6.1f} percentage points")
    return EXIT_OK


def _explanations(model, rows: list, top: int) -> tuple[list[float], list[dict]]:
    """Each row's probability, and its base rate and ``top`` largest Shapley contributions in percentage points.

    Exact Shapley values add up to the model's output, so the probability is
    the base rate plus their sum: the row is validated and run once.
    """
    from heartnet.explain import explain

    explanation = explain(model, rows)
    probabilities, answers = [], []
    for values, base in zip(explanation.values, explanation.base_values, strict=True):
        probabilities.append(float(base + values.sum()))
        order = sorted(range(len(values)), key=lambda index: -abs(values[index]))[:top]
        names = explanation.feature_names
        answers.append({"base": float(base), "contributions": {names[i]: float(values[i]) * 100 for i in order}})
    return probabilities, answers


def _rejected_lines(local) -> list[dict]:
    """Each rejected row of a labelled file: its line and its reasons, in English (as ``heartnet score`` words them)."""
    from heartnet.cells import reasons_text

    return [{"line": line, "reason": reasons_text(problems)} for line, problems in local.rejected.items()]


def _format_local(result: dict) -> str:
    def number(value, digits: int = 3) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    lines = [
        f"{result['n']} patients, {result['prevalence']:.1%} with coronary artery disease; mean predicted risk "
        f"{result['mean_predicted']:.1%}",
        f"ROC AUC {number(result['roc_auc'])} [95% {number(result['roc_auc_low'])}, {number(result['roc_auc_high'])}]"
        f"   Brier {result['brier']:.3f}   log loss {result['log_loss']:.3f}",
        f"calibration intercept {number(result['calibration_intercept'], 2)} "
        f"[{number(result['calibration_intercept_low'], 2)}, {number(result['calibration_intercept_high'], 2)}]"
        f" (0 is calibrated)   slope {number(result['calibration_slope'], 2)} "
        f"[{number(result['calibration_slope_low'], 2)}, {number(result['calibration_slope_high'], 2)}] (1 is)",
        *_threshold_lines(result),
    ]
    if result["rejected"]:
        count = len(result["rejected"])
        lines.append(f"left out {count} row{'s' * (count != 1)} that failed validation:")
        lines += [f"  line {row['line']}: {row['reason']}" for row in result["rejected"]]
    return "\n".join(lines)


def _print(result: dict, as_json: bool, heading: str, formatted) -> int:
    """An evaluation's result: one JSON object, or the heading and the formatted text."""
    print(json.dumps(result) if as_json else f"{heading}\n{formatted(result)}")
    return EXIT_OK


def _cmd_evaluate_local(args: argparse.Namespace) -> int:
    from heartnet.features import TARGET
    from heartnet.inference import predict
    from heartnet.storage import load
    from heartnet.updating import local_evaluation, read_labelled

    model = load(args.model)
    local = read_labelled(args.data)
    if local.frame.empty:
        raise UsageError(f"{_display(Path(args.data))}: no valid rows to evaluate")
    result = local_evaluation(local.frame[TARGET], predict(local.frame, model), threshold=model.threshold)
    result["rejected"] = _rejected_lines(local)
    return _print(result, args.json, f"{_display(Path(args.data))}:", _format_local)


def _cmd_recalibrate(args: argparse.Namespace) -> int:
    from heartnet.files import check_writable
    from heartnet.storage import load, save_model
    from heartnet.updating import read_labelled, recalibrate

    out = Path(args.out)
    if out.suffix != ".keras":
        raise UsageError(f"--out must end in .keras, got {_display(out)}")
    model = load(args.model)
    if out.resolve() == Path(model.path).resolve():
        raise UsageError(f"--out is the model itself ({_display(out)}); choose another file to keep the base model")
    check_writable(out)
    local = read_labelled(args.data)
    recalibrated, update, metadata = recalibrate(model, local, method=args.method)
    metadata["recalibration"]["base_model"] = _display(Path(model.path))
    saved = save_model(recalibrated, out, metadata=metadata)
    rejected = local.left_out
    left_out = f", {rejected} row{'s' * (rejected != 1)} left out (see heartnet evaluate --data)" if rejected else ""
    print(
        f"{args.method}: {update.method} (intercept {update.intercept:+.3f}, slope {update.slope:.3f}; "
        f"{update.reason}) from {update.rows} rows{left_out}; wrote {_display(saved)}"
    )
    return EXIT_OK


def _cmd_evaluate(args: argparse.Namespace) -> int:
    if args.data:
        return _cmd_evaluate_local(args)
    from heartnet.evaluate import classification_metrics
    from heartnet.features import TARGET
    from heartnet.inference import predict
    from heartnet.splits import recorded_split
    from heartnet.storage import load

    model = load(args.model)
    record = model.metadata
    test = recorded_split(record).test
    metrics = classification_metrics(test[TARGET], predict(test, model), threshold=model.threshold)
    heading = f"held-out split of {len(test)} rows (seed {record['split']['seed']}):"
    return _print(metrics, args.json, heading, _format_metrics)


def _cmd_score(args: argparse.Namespace) -> int:
    from heartnet.score import score_csv, terminal_progress
    from heartnet.storage import load

    model = load(args.model)
    chunk = {} if args.chunk_size is None else {"chunk_rows": args.chunk_size}
    with terminal_progress(args.input) as progress:
        summary = score_csv(
            args.input,
            args.output,
            model,
            threshold=args.threshold,
            rejects_path=args.rejects,
            progress=progress,
            **chunk,
        )
    rejects = f" (see {_display(Path(args.rejects))})" if args.rejects and summary.rejected else ""
    if summary.encoding != "utf-8":  # said, as the app says it: a file from Excel on Windows is read, not refused
        print(f"heartnet: read {_display(Path(args.input))} as {summary.encoding_name}, not UTF-8", file=sys.stderr)
    print(f"scored {summary.scored} rows, rejected {summary.rejected}{rejects}; wrote {_display(Path(args.output))}")
    if summary.rows_out_of_range:
        fields = ", ".join(f"{name} {count}" for name, count in summary.out_of_range.items())
        print(
            f"heartnet: warning: {summary.rows_out_of_range} scored rows have values outside the ranges the model "
            f"was trained on ({fields}); it extrapolates for them (see the out_of_range column)",
            file=sys.stderr,
        )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from heartnet.export import export_saved_model
    from heartnet.storage import load_model

    folder = export_saved_model(load_model(args.model), args.directory)
    print(f"exported a SavedModel to {_display(folder)} (see {_display(folder / 'README.md')})")
    return EXIT_OK


def _model_option(command: argparse.ArgumentParser, what: str = "the .keras model") -> None:
    """The --model option every command that reads a saved model takes."""
    command.add_argument("--model", metavar="PATH", help=f"{what} (default: models/heartnet.keras)")


def _command(commands, handler, name: str, **texts) -> argparse.ArgumentParser:
    """A subcommand (``help``, ``description``) that runs ``handler``; its own usage answers its mistakes."""
    command = commands.add_parser(name, **texts)
    command.set_defaults(handler=handler, command_parser=command)
    return command


def build_parser() -> argparse.ArgumentParser:
    from heartnet.decision import DEFAULT_THRESHOLD  # numpy only: --help stays fast

    parser = argparse.ArgumentParser(
        prog="heartnet",
        description="Coronary artery disease prediction from 11 clinical features with a Keras neural network.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    _command(
        commands,
        _cmd_data,
        "data",
        help="fetch and verify the dataset",
        description="Put the verified dataset in the cache (data/heart.csv).",
    )

    train = _command(
        commands,
        _cmd_train,
        "train",
        help="train and save the model",
        description="Stratified 80/20 split, train on 80%, report held-out metrics, save model and metadata.",
    )
    train.add_argument("--seed", type=int, default=0, help="seed of the split and of training (default: 0)")
    train.add_argument("--out", metavar="PATH", help="where to save the .keras model (default: models/heartnet.keras)")
    train.add_argument(
        "--data", metavar="CSV", help="train on your own CSV with the same columns (default: built-in dataset)"
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
        commands,
        _cmd_predict,
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
        "--top", type=int, default=5, metavar="N", help="how many contributions --explain prints (default: 5)"
    )
    _model_option(predict)

    evaluate = _command(
        commands,
        _cmd_evaluate,
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
        commands,
        _cmd_recalibrate,
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
        choices=("auto", "intercept", "logistic"),  # heartnet.updating.METHODS (not imported: --help stays fast)
        default="auto",
        help="intercept: shift the logit; logistic: intercept and slope; auto (default): none, intercept or "
        "logistic by the closed testing procedure",
    )

    score = _command(
        commands,
        _cmd_score,
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
        commands,
        _cmd_export,
        "export",
        help="export a SavedModel for TensorFlow Serving",
        description="Write a SavedModel whose serving signature takes the raw named features, plus a README.",
    )
    export.add_argument("directory", metavar="DIR", help="folder to create (must not exist or be empty)")
    _model_option(export)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; return the exit code (the console script exits with it)."""
    args, unknown = build_parser().parse_known_args(argv)
    if unknown:  # said with the command's own usage, not the top-level one (argparse exits with 2)
        args.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    from heartnet.errors import HeartnetError

    try:
        with _out_of_range_on_stderr():
            code = args.handler(args)
        sys.stdout.flush()  # a full disk or a closed pipe behind standard output fails here, not at exit
        return code
    except (HeartnetError, UsageError) as error:
        problem = error
    except OSError as error:  # the system refusing a path is the user's to fix, not a bug
        problem = _os_problem(error)
    print(f"heartnet: error: {_without_absolute_paths(str(problem))}", file=sys.stderr)
    return EXIT_USER_ERROR


def _os_problem(error: OSError) -> Exception:
    """An ``OSError`` that reached the command, as one named problem: of its file, or of standard output."""
    from heartnet.errors import FileSystemError

    if error.filename is not None:  # files written go through heartnet.files, so this one was being read
        return FileSystemError.from_os_error(error, error.filename, writing=False)
    if error.errno not in (errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        raise error
    # Unnamed, and what only a write raises: the one file written without heartnet.files, standard output.
    # Python flushes it again at exit: point it at /dev/null so that the exit is quiet, as Python's
    # documentation on SIGPIPE advises (a test's capture has no descriptor and needs nothing).
    with contextlib.suppress(OSError, ValueError, AttributeError):
        descriptor, devnull = sys.stdout.fileno(), os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, descriptor)
        os.close(devnull)
    return FileSystemError.from_os_error(error, "standard output")


@contextlib.contextmanager
def _out_of_range_on_stderr():
    """Each ``OutOfRangeWarning`` as one line on stderr (exit code 0); other warnings as Python shows them."""
    from heartnet.ranges import OutOfRangeWarning

    with warnings.catch_warnings():
        warnings.simplefilter("always", OutOfRangeWarning)
        shown = warnings.showwarning

        def show(message, category, *args, **kwargs):
            if issubclass(category, OutOfRangeWarning):
                print(f"heartnet: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, *args, **kwargs)

        warnings.showwarning = show
        yield


if __name__ == "__main__":
    sys.exit(main())
