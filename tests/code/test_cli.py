"""The CLI, called in-process, and in a subprocess only where the exit code is the point."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

import pandas as pd
import pytest

import heartnet
from heartnet import cli


def test_train_prints_the_held_out_metrics_it_saves(trained, metadata):
    path, printed = trained
    assert path.is_file() and path.with_suffix(".json").is_file()
    metrics, matrix = metadata["metrics"], metadata["metrics"]["confusion_matrix"]
    assert f"held-out {len(metadata['split']['test_rows'])} rows (seed 0)" in printed
    for name, key, digits in [
        ("ROC AUC", "roc_auc", 3), ("Brier", "brier", 3), ("log loss", "log_loss", 3),
        ("calibration intercept", "calibration_intercept", 2), ("sensitivity", "sensitivity", 3),
        ("accuracy", "accuracy", 3), ("F1", "f1", 3),
    ]:  # fmt: skip
        assert f"{name} {metrics[key]:.{digits}f}" in printed, name  # each saved number, printed by its name
    assert f"at threshold {metrics['threshold']:g}" in printed
    counts = [int(cell) for line in printed.splitlines() if re.fullmatch(r" +\d+ +\d+", line) for cell in line.split()]
    assert counts == [matrix["tn"], matrix["fp"], matrix["fn"], matrix["tp"]]
    assert printed.splitlines()[-1] == f"saved {cli.display(path)} and {cli.display(path.with_suffix('.json'))}"


def test_predict_text(run, trained_path, patient, model):
    code, out, err = run("predict", json.dumps(patient), "--model", str(trained_path))
    expected = heartnet.predict_one(patient, model)
    assert code == 0 and err == ""
    threshold = heartnet.DEFAULT_THRESHOLD  # what `heartnet train` saves when not told otherwise
    assert out.startswith(f"probability {expected:.3f} -> class {int(expected >= threshold)} (")
    assert f"at threshold {threshold:g}" in out


def test_predict_json_from_file_and_stdin(run, trained_path, patient, tmp_path, monkeypatch, model):
    file = tmp_path / "patient.json"
    file.write_text(json.dumps(patient), encoding="utf-8")
    code, out, _ = run("predict", f"@{file}", "--json", "--model", str(trained_path))
    result = json.loads(out)
    assert code == 0
    assert result["probability"] == pytest.approx(heartnet.predict_one(patient, model), abs=1e-6)
    threshold = heartnet.DEFAULT_THRESHOLD
    assert result["prediction"] == int(result["probability"] >= threshold) and result["threshold"] == threshold

    # with a BOM, as Windows PowerShell 5.1's `Set-Content -Encoding utf8` writes it
    file.write_text(json.dumps(patient), encoding="utf-8-sig")
    assert run("predict", f"@{file}", "--json", "--model", str(trained_path))[0] == 0

    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps([patient, {**patient, "Cholesterol": None}])))
    code, out, _ = run("predict", "-", "--json", "--model", str(trained_path))
    assert code == 0 and len(out.splitlines()) == 2


@pytest.mark.parametrize(
    ("row", "pattern"),
    [
        ('{"Age": 54}', "field 'Sex': missing field"),
        ("{not json", "the ROW argument is not valid JSON"),
        ('"a string"', "ROW must be a JSON object"),
        ("[]", "ROW must be a JSON object"),
        ("[3]", "row 0: a row must be a dict"),
        ("@/nonexistent/patient.json", "cannot read /nonexistent/patient.json"),
    ],
)
def test_predict_user_errors_exit_2_with_one_line(run, trained_path, row, pattern):
    code, out, err = run("predict", row, "--model", str(trained_path))
    assert code == 2 and out == ""
    assert err.startswith("heartnet: error: ") and pattern in err
    assert len(err.strip().splitlines()) == 1


def test_evaluate_reproduces_the_training_metrics(run, trained_path, metadata):
    code, out, _ = run("evaluate", "--model", str(trained_path), "--json")
    assert code == 0
    assert json.loads(out)["roc_auc"] == pytest.approx(metadata["metrics"]["roc_auc"], abs=1e-6)
    code, out, _ = run("evaluate", "--model", str(trained_path))
    assert code == 0 and "ROC AUC" in out and "confusion matrix" in out


@pytest.fixture
def model_with_threshold(model_copy, patient, model):
    """A copy of the session's model whose metadata records a threshold that flips ``patient``'s class."""
    probability = heartnet.predict_one(patient, model)
    threshold = round((probability + 1) / 2 if probability >= 0.5 else probability / 2, 4)
    return model_copy(threshold=threshold), threshold, probability


def test_predict_and_evaluate_use_the_threshold_saved_with_the_model(run, model_with_threshold, patient, test_rows):
    path, threshold, probability = model_with_threshold
    code, out, _ = run("predict", json.dumps(patient), "--json", "--model", str(path))
    answer = json.loads(out)
    assert code == 0 and answer["threshold"] == threshold
    assert answer["prediction"] == int(probability >= threshold) != int(probability >= heartnet.DEFAULT_THRESHOLD)
    code, out, _ = run("predict", json.dumps(patient), "--model", str(path))
    assert f"at threshold {threshold:g}" in out

    code, out, _ = run("evaluate", "--json", "--model", str(path))
    metrics = json.loads(out)
    expected = heartnet.classification_metrics(
        test_rows[heartnet.TARGET], heartnet.predict(test_rows, heartnet.load(path)), threshold=threshold
    )
    assert code == 0 and metrics["threshold"] == threshold and metrics["accuracy"] == expected["accuracy"]


@pytest.mark.parametrize("value", ["1.5", "-0.1", "nan", "half"])
def test_train_refuses_a_threshold_outside_0_to_1_before_training(capsys, tmp_path, value):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["train", "--threshold", value, "--out", str(tmp_path / "m.keras")])
    assert exit_.value.code == 2
    assert f"argument --threshold: expected a number from 0 to 1, got '{value}'" in capsys.readouterr().err
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.slow  # trains a model
def test_train_saves_the_chosen_threshold_and_reports_metrics_at_it(run, tmp_path, dataset):
    small = dataset.sample(120, random_state=0).fillna({"Cholesterol": 0})  # the file's code for "not measured"
    data = tmp_path / "small data.csv"
    small.to_csv(data, index=False)
    out = tmp_path / "m.keras"
    code, printed, _ = run("train", "--data", str(data), "--threshold", "0.3", "--out", str(out))
    record = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    assert code == 0 and record["threshold"] == 0.3 and record["metrics"]["threshold"] == 0.3
    assert "--threshold 0.3" in record["command"] and "confusion matrix at threshold 0.3 " in printed
    assert shlex.split(record["command"])[-4:] == ["--data", str(data), "--out", str(out)]  # a space in a path
    assert heartnet.load(out).threshold == 0.3


@pytest.mark.parametrize(
    "argv",
    [
        ["train"],
        ["train", "--data", "mis datos/pacientes de 'Rosario'.csv", "--out", "modelos nuevos/m 1.keras", "--seed", "7",
         "--threshold", "0.123456789", "--without-hospital", "Long Beach VA"],
    ],
    ids=["defaults", "paths with spaces and quotes"],
)  # fmt: skip
def test_the_recorded_training_command_gives_the_same_options_when_a_shell_reads_it(argv):
    from heartnet.cli.commands import train_command
    from heartnet.cli.parser import build_parser

    parser = build_parser()
    args = parser.parse_args(argv)
    words = shlex.split(train_command(args))
    assert words[0] == "heartnet" and vars(parser.parse_args(words[1:])) == vars(args)


def test_data_reports_the_verified_cache(run):
    code, out, _ = run("data")
    assert code == 0 and "918 rows, sha256 verified; 172 without Cholesterol" in out


def test_train_on_a_bad_user_file_exits_2(run, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("Age,Sex\n40,M\n", encoding="utf-8")
    code, _, err = run("train", "--data", str(bad), "--out", str(tmp_path / "m.keras"))
    assert code == 2 and "required columns missing: ChestPainType" in err
    assert not (tmp_path / "m.keras").exists()


def test_train_on_too_few_patients_of_a_class_to_split_exits_2(run, tmp_path, dataset):
    few = pd.concat([dataset[dataset[heartnet.TARGET] == 0].head(9), dataset[dataset[heartnet.TARGET] == 1].head(1)])
    data = tmp_path / "few.csv"
    few.fillna({"Cholesterol": 0}).to_csv(data, index=False)
    code, _, err = run("train", "--data", str(data), "--out", str(tmp_path / "m.keras"))
    assert code == 2 and err.count("\n") == 1
    assert "cannot hold out a stratified 20% of 10 rows (9 of class 0, 1 of class 1)" in err
    assert not (tmp_path / "m.keras").exists()


@pytest.mark.parametrize(
    ("arguments", "pattern"),
    [
        (["train", "--seed", "-1"], "argument --seed: expected a whole number from 0 to 4294967295, got '-1'"),
        (["train", "--seed", str(2**32)], "argument --seed: expected a whole number from 0 to 4294967295"),
        (["train", "--seed", "1.5"], "argument --seed: expected a whole number"),
        (["predict", "{}", "--explain", "--top", "0"], "argument --top: expected a whole number from 1 to 11"),
        (["predict", "{}", "--explain", "--top", "-3"], "argument --top: expected a whole number from 1 to 11"),
    ],
)
def test_whole_number_options_out_of_their_range_exit_2_before_any_work(capsys, arguments, pattern):
    with pytest.raises(SystemExit) as exit_:
        cli.main(arguments)
    assert exit_.value.code == 2 and pattern in capsys.readouterr().err


def test_top_without_explain_is_refused_not_ignored(run, patient):
    code, out, err = run("predict", json.dumps(patient), "--top", "3")
    assert code == 2 and "add --explain" in err and out == ""


def test_data_halves_without_a_hospital_is_refused_not_ignored(run):
    code, out, err = run("data", "--halves")
    assert code == 2 and "--halves needs both" in err and out == ""


def test_every_command_has_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    listed = re.findall(r"^ {4}(\w+)\s", capsys.readouterr().out, re.MULTILINE)  # each command, with its help
    commands = ["data", "train", "predict", "evaluate", "recalibrate", "score", "export"]
    assert listed == commands
    for command in commands:
        with pytest.raises(SystemExit) as exit_:
            cli.main([command, "--help"])
        assert exit_.value.code == 0
        out = capsys.readouterr().out
        assert out.startswith(f"usage: heartnet {command}") and "options:" in out
        if "--model PATH" in out or command == "train":  # a model read, or saved, where no path is given
            assert "$HEARTNET_MODEL if set, else models/heartnet.keras" in " ".join(out.split()), command


def test_cli_exits_2_on_a_corrupt_model_and_on_a_tampered_cache(capsys, tmp_path, monkeypatch, patient):
    model = tmp_path / "broken.keras"
    model.write_bytes(b"PK\x03\x04 not really a zip")
    model.with_suffix(".json").write_text(json.dumps({"features": [], "threshold": 0.5}), encoding="utf-8")
    assert cli.main(["predict", json.dumps(patient), "--model", str(model)]) == 2
    assert "different feature spec" in capsys.readouterr().err

    cache = tmp_path / "heart.csv"
    cache.write_text("Age,Sex\n40,M\n", encoding="utf-8")
    monkeypatch.setenv("HEARTNET_DATA_CACHE", str(cache))
    assert cli.main(["data"]) == 2
    err = capsys.readouterr().err
    assert "checksum mismatch" in err and "delete the file" in err and len(err.strip().splitlines()) == 1


# --- exit codes of the real console script ---


def _script(*argv, **env):
    return subprocess.run(
        # where pip put the script: a venv's bin or Scripts; on Windows outside a venv, not python.exe's folder
        [os.path.join(sysconfig.get_path("scripts"), "heartnet"), *argv],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=120,
    )


@pytest.mark.slow
def test_script_exit_0_on_success(trained_path, patient):
    result = _script("predict", json.dumps(patient), "--json", HEARTNET_MODEL=str(trained_path))
    assert result.returncode == 0, result.stderr
    assert 0 <= json.loads(result.stdout)["probability"] <= 1


@pytest.mark.slow
def test_script_exit_2_on_a_missing_model(tmp_path, patient):
    result = _script("predict", json.dumps(patient), HEARTNET_MODEL=str(tmp_path / "none.keras"))
    assert result.returncode == 2
    assert "create it with `heartnet train`" in result.stderr and "Traceback" not in result.stderr


def test_script_exit_2_on_bad_arguments():
    result = _script("predict")
    assert result.returncode == 2 and "usage:" in result.stderr


def test_messages_hold_no_absolute_paths(run, monkeypatch, tmp_path, patient):
    from heartnet.paths import project_root

    monkeypatch.delenv("HEARTNET_MODEL", raising=False)
    monkeypatch.chdir(tmp_path)
    code, _, err = run("predict", json.dumps(patient), "--model", str(tmp_path / "sub" / "m.keras"))
    assert code == 2 and f"no model at {Path('sub', 'm.keras')}" in err and str(tmp_path) not in err
    monkeypatch.setenv("HEARTNET_MODEL", str(project_root() / "models" / "absent.keras"))
    code, _, err = run("predict", json.dumps(patient))
    assert code == 2 and f"no model at {Path('models', 'absent.keras')}" in err and str(project_root()) not in err


@pytest.mark.parametrize("command", ["predict", "evaluate"])
def test_a_folder_given_as_the_model_is_said_to_be_a_folder_not_a_missing_model(run, tmp_path, patient, command):
    folder = tmp_path / "x.keras"
    folder.mkdir()
    argv = [json.dumps(patient)] if command == "predict" else []
    code, out, err = run(command, *argv, "--model", str(folder))
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "x.keras: is a folder, not a model file; give a .keras file" in err and "no model" not in err


def test_recalibrate_refuses_a_method_updating_does_not_know_and_names_those_it_does(capsys, tmp_path):
    from heartnet.updating import METHODS

    with pytest.raises(SystemExit) as exit_:
        cli.main(["recalibrate", "x.csv", "--out", str(tmp_path / "x.keras"), "--method", "slope"])
    assert exit_.value.code == 2
    assert f"invalid choice: 'slope' (choose from {', '.join(map(repr, METHODS))})" in capsys.readouterr().err


def test_evaluate_a_model_saved_without_a_split_says_what_to_do_with_exit_2(run, tmp_path, model):
    path = heartnet.save_model(model, tmp_path / "publico.keras")  # the public API records no split
    code, _, err = run("evaluate", "--model", str(path))
    assert code == 2 and err.count("\n") == 1
    assert "records no held-out split" in err and "--data CSV" in err


def test_an_unknown_option_answers_with_the_commands_own_usage(capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(["evaluate", "--bogus"])
    err = capsys.readouterr().err
    assert exit_.value.code == 2
    assert err.startswith("usage: heartnet evaluate") and "unrecognized arguments: --bogus" in err


def test_help_texts_show_percent_signs_once(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "--help"])
    out = capsys.readouterr().out
    assert "80%" in out and "%%" not in out
