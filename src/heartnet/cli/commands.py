"""The ``heartnet`` commands, one function each: ``cmd_NAME(args) -> exit code``.

Each imports what it needs inside (TensorFlow, pandas, ...): a lazy import of
heavy libraries, so that ``heartnet --help`` and a command's ``--help`` stay
fast; nothing here imports upward.
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

from heartnet.cli.text import CLASS_NAMES, display, format_evaluation

__all__ = ["DEFAULT_TOP", "EXIT_OK", "UsageError", "cmd_data", "cmd_evaluate", "cmd_export", "cmd_predict",
           "cmd_recalibrate", "cmd_score", "cmd_train", "train_command"]  # fmt: skip

EXIT_OK = 0


class UsageError(Exception):
    """A problem with the command line's own input (exit code 2)."""


DEFAULT_TOP = 5  # contributions `predict --explain` prints


def cmd_data(args: argparse.Namespace) -> int:
    from heartnet.data import dataset_facts, fetch_dataset

    if args.hospital or args.out or args.halves:
        return _hospital_file(args)
    path = fetch_dataset()
    facts = dataset_facts()
    missing = ", ".join(f"{count['rows']} without {name}" for name, count in facts["missing"].items())
    dropped = ", ".join(f"{count} dropped for an impossible {name}" for name, count in facts["dropped"].items())
    print(f"dataset ready at {display(path)}: {facts['rows']} rows, sha256 verified; {missing}; {dropped}")
    return EXIT_OK


def _hospital_file(args: argparse.Namespace) -> int:
    """One hospital's labelled patients as a CSV (or two halves of it): a hospital to check a model on."""
    from heartnet.data import hospital_rows, load_dataset
    from heartnet.features import FEATURE_NAMES, TARGET
    from heartnet.files import atomic_paths
    from heartnet.splits import stratified_split

    if not (args.hospital and args.out):
        raise UsageError(
            "heartnet data: --hospital and --out go together (the hospital's patients, and where); --halves needs both"
        )
    out = Path(args.out)
    if out.suffix != ".csv":
        raise UsageError(f"--out must end in .csv, got {display(out)}")
    rows = hospital_rows(load_dataset(with_hospital=True), args.hospital)[[*FEATURE_NAMES, TARGET]]
    parts = {out: rows}
    if args.halves:  # two stratified halves: recalibrate on one, check the result on the other
        first, second = stratified_split(rows[TARGET], size=0.5, seed=0)
        parts = {
            out.with_stem(f"{out.stem}_a"): rows.iloc[sorted(first)],
            out.with_stem(f"{out.stem}_b"): rows.iloc[sorted(second)],
        }
    with atomic_paths(*parts) as temporaries:  # both halves, or neither
        for temporary, part in zip(temporaries, parts.values(), strict=True):
            temporary.write_text(part.to_csv(index=False, float_format="%g"), encoding="utf-8")  # NaN: empty cell
    written = ", ".join(f"{display(path)} ({len(part)} patients)" for path, part in parts.items())
    print(f"wrote {args.hospital}'s labelled patients: {written}")
    return EXIT_OK


def cmd_train(args: argparse.Namespace) -> int:
    from heartnet.files import check_writable
    from heartnet.paths import default_model_path
    from heartnet.training import train_and_save

    out = Path(args.out) if args.out else default_model_path()
    if out.suffix != ".keras":
        raise UsageError(f"--out must end in .keras, got {display(out)}")
    check_writable(out)  # said now, not after training
    run = train_and_save(
        args.data,
        seed=args.seed,
        threshold=args.threshold,
        out=args.out,
        command=train_command(args),
        without_hospital=args.without_hospital,
    )
    rows = f"trained on {len(run.train_rows)} rows in {run.seconds:.1f} s; held-out {len(run.test_rows)} rows"
    print(f"{rows} (seed {args.seed}):")
    print(format_evaluation(run.metrics))
    print(f"saved {display(run.path)} and {display(run.path.with_suffix('.json'))}")
    return EXIT_OK


def train_command(args: argparse.Namespace) -> str:
    """The ``heartnet train`` command that repeats a training, as its metadata records it; a shell runs it as is.

    Every option that changes the model (seed, threshold, data, hospital left out) and where it is written,
    each argument quoted for a POSIX shell; the threshold as Python writes a float, so it is read back exactly.
    """
    command = ["heartnet", "train", "--seed", str(args.seed)]
    command += ["--threshold", repr(args.threshold)] if args.threshold is not None else []
    for option, value in (("--data", args.data), ("--without-hospital", args.without_hospital), ("--out", args.out)):
        command += [option, value] if value else []
    return shlex.join(command)


def _read_row_argument(text: str) -> object:
    if text == "-":
        source, raw = "standard input", sys.stdin.read()
    elif text.startswith("@"):
        source = text[1:]
        try:
            raw = Path(source).read_text(encoding="utf-8-sig")  # a BOM, as Windows PowerShell 5.1 writes, is skipped
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


def cmd_predict(args: argparse.Namespace) -> int:
    from heartnet.inference import predict, predict_one
    from heartnet.storage import load

    if args.top is not None and not args.explain:
        raise UsageError("--top says how many contributions --explain prints; add --explain")
    data = _read_row_argument(args.row)
    if not isinstance(data, dict) and not (isinstance(data, list) and data):
        raise UsageError(f"ROW must be a JSON object of field values (or a list of them), got {type(data).__name__}")
    for position, row in enumerate(data if isinstance(data, list) else []):
        if not isinstance(row, dict):
            raise UsageError(f"row {position}: a row must be a dict of field values, got {type(row).__name__}")
    model = load(args.model)
    threshold = model.threshold
    if args.explain:  # the explanation validates the rows once and sums exactly to each probability
        probabilities, explanations = _explanations(
            model, [data] if isinstance(data, dict) else data, args.top or DEFAULT_TOP
        )
    else:
        probabilities = [predict_one(data, model)] if isinstance(data, dict) else predict(data, model)
        explanations = None
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
        label = f"class {prediction} ({CLASS_NAMES[prediction]})"
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


def _print(result: dict, as_json: bool, heading: str, formatted) -> int:
    """An evaluation's result: one JSON object, or the heading and the formatted text."""
    print(json.dumps(result) if as_json else f"{heading}\n{formatted(result)}")
    return EXIT_OK


def cmd_evaluate_local(args: argparse.Namespace) -> int:
    from heartnet.inference import predict
    from heartnet.local_check import local_evaluation, read_labelled
    from heartnet.storage import load

    model = load(args.model)
    local = read_labelled(args.data)
    if local.frame.empty:
        raise UsageError(f"{display(Path(args.data))}: no valid rows to evaluate")
    result = local_evaluation(model, local.frame, predict(local.frame, model))
    result["rejected"] = _rejected_lines(local)
    _warn_if_trained_on(result["rows_seen_in_training"], len(local.frame))
    return _print(result, args.json, f"{display(Path(args.data))}:", format_evaluation)


def _warn_if_trained_on(seen: int, rows: int) -> None:
    """Say on stderr that ``seen`` of ``rows`` local rows trained the model, when any: a check on them flatters it."""
    if seen:
        print(
            f"heartnet: warning: {seen} of these {rows} rows are rows the model was trained on; a check on "
            "them flatters it: use patients it has not seen",
            file=sys.stderr,
        )


def _warn_if_too_few(y, probabilities) -> None:
    """Say on stderr when fewer patients than the sample-size advice asks for fitted the recalibration.

    The update still runs (``MIN_ROWS`` is the code's floor): with fewer, its
    coefficients are imprecise, and only a check on other patients tells whether it helped.
    """
    from heartnet.local_check import patients_to_recalibrate

    needed = patients_to_recalibrate(y, probabilities)
    if needed and len(y) < needed["recalibration"]:
        widths, criteria = needed["widths"], needed["by_criterion"]
        print(
            f"heartnet: warning: {len(y)} rows, fewer than the about {needed['recalibration']} advised for a "
            f"recalibration (pmvalsampsize: O/E ±{widths['calibration_in_the_large'] / 2:g} needs "
            f"{criteria['calibration_in_the_large']}, slope ±{widths['calibration_slope'] / 2:g} needs "
            f"{criteria['calibration_slope']}); its coefficients are imprecise: check it on other patients",
            file=sys.stderr,
        )


def cmd_recalibrate(args: argparse.Namespace) -> int:
    from heartnet.features import TARGET
    from heartnet.files import check_writable
    from heartnet.inference import probabilities as model_probabilities
    from heartnet.local_check import read_labelled, rows_seen_in_training
    from heartnet.storage import load, save_model
    from heartnet.updating import recalibrate

    out = Path(args.out)
    if out.suffix != ".keras":
        raise UsageError(f"--out must end in .keras, got {display(out)}")
    model = load(args.model)
    if out.resolve() == Path(model.path).resolve():
        raise UsageError(f"--out is the model itself ({display(out)}); choose another file to keep the base model")
    check_writable(out)
    local = read_labelled(args.data)
    _warn_if_trained_on(rows_seen_in_training(local.frame, model.training_fingerprints), len(local.frame))
    probabilities = model_probabilities(model, local.frame)  # validated rows: run once, for the fit and the advice
    recalibrated, update, metadata = recalibrate(model, local, method=args.method, probabilities=probabilities)
    _warn_if_too_few(local.frame[TARGET].to_numpy(), probabilities)
    metadata["recalibration"]["base_model"] = display(Path(model.path))
    saved = save_model(recalibrated, out, metadata=metadata)
    rejected = local.left_out
    left_out = f", {rejected} row{'s' * (rejected != 1)} left out (see heartnet evaluate --data)" if rejected else ""
    print(
        f"{args.method}: {update.method} (intercept {update.intercept:+.3f}, slope {update.slope:.3f}; "
        f"{update.reason}) from {update.rows} rows{left_out}; wrote {display(saved)}"
    )
    return EXIT_OK


def cmd_evaluate(args: argparse.Namespace) -> int:
    if args.data:
        return cmd_evaluate_local(args)
    from heartnet.evaluate import classification_metrics
    from heartnet.features import TARGET
    from heartnet.inference import probabilities
    from heartnet.splits import recorded_split
    from heartnet.storage import load

    model = load(args.model)
    test = recorded_split(model.record).test  # validated by the loader; no range warnings on its own split, as in train
    metrics = classification_metrics(test[TARGET], probabilities(model, test), threshold=model.threshold)
    heading = f"held-out split of {len(test)} rows (seed {model.record.split.seed}):"
    return _print(metrics, args.json, heading, format_evaluation)


def cmd_score(args: argparse.Namespace) -> int:
    from heartnet.cli.progress import terminal_progress
    from heartnet.score import score_csv
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
    rejects = f" (see {display(Path(args.rejects))})" if args.rejects and summary.rejected else ""
    if summary.encoding != "utf-8":  # said, as the app says it: a file from Excel on Windows is read, not refused
        print(f"heartnet: read {display(Path(args.input))} as {summary.encoding_name}, not UTF-8", file=sys.stderr)
    print(f"scored {summary.scored} rows, rejected {summary.rejected}{rejects}; wrote {display(Path(args.output))}")
    if summary.rows_out_of_range:
        fields = ", ".join(f"{name} {count}" for name, count in summary.out_of_range.items())
        print(
            f"heartnet: warning: {summary.rows_out_of_range} scored rows have values outside the ranges the model "
            f"was trained on ({fields}); it extrapolates for them (see the out_of_range column)",
            file=sys.stderr,
        )
    return EXIT_OK


def cmd_export(args: argparse.Namespace) -> int:
    from heartnet.export import export_saved_model
    from heartnet.storage import load_model

    folder = export_saved_model(load_model(args.model), args.directory)
    print(f"exported a SavedModel to {display(folder)} (see {display(folder / 'README.md')})")
    return EXIT_OK
