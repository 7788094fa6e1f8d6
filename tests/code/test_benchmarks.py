"""The benchmarks run end to end on a tiny configuration (so they don't rot); no timing is asserted."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import heartnet
from heartnet.features import MISSING

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "reports"


@pytest.mark.slow
def test_quality_benchmark_on_a_tiny_configuration(tmp_path, capsys):
    from benchmarks import quality, tables

    out = tmp_path / "quality.json"
    assert quality.main(["--repeats", "1", "--rows", "120", "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert list(report["models"]) == [
        "heartnet",
        "catboost",
        "logistic_regression",
        "random_forest",
        "hist_gradient_boosting",
        "svc",
    ]
    for stats in report["models"].values():
        for metric in ("roc_auc", "accuracy", "brier", "f1", "log_loss", "fit_seconds"):
            assert set(stats[metric]) == {"mean", "std"}
    assert report["cv"]["rows"] == 120 and report["cv"]["n_splits"] == 5 and report["cv"]["n_repeats"] == 1
    assert len(report["folds"]) == 6 * 5  # every model on every fold
    goals = report["goals"]
    assert set(goals) == {"roc_auc", "brier", "log_loss"}
    auc = report["models"]["heartnet"]["roc_auc"]["mean"], report["models"]["catboost"]["roc_auc"]["mean"]
    assert goals["roc_auc"]["met_against_catboost"] == (auc[0] >= auc[1])
    interval = report["comparisons"]["random_forest"]["roc_auc"]
    assert interval["low"] <= interval["mean"] <= interval["high"]
    assert {"cpu", "cores"} <= set(report["machine"]) and {"keras", "catboost"} <= set(report["versions"])
    assert tables.quality_table(report) in capsys.readouterr().out  # the documents' own table


@pytest.mark.slow
def test_selection_benchmark_on_a_tiny_configuration(tmp_path, capsys, monkeypatch, dataset):
    from benchmarks import selection, tables
    from heartnet.features import HOSPITAL

    selection_table = tables.selection_table
    from heartnet.splits import holdout_split

    out = tmp_path / "selection.json"
    tiny = {"a": {"members": 1, "epochs": 2, "patience": None}, "b": {"members": 2, "epochs": 2, "patience": None}}
    monkeypatch.setattr(selection, "CANDIDATES", tiny)
    searched = []  # every search's training rows and hospitals (cross_validate clones it: patch the class)
    fit = selection.GridSearchCV.fit

    def fit_and_record(grid, X, y, groups=None, **params):
        searched.append((set(X.index), set(groups)))
        return fit(grid, X, y, groups=groups, **params)

    monkeypatch.setattr(selection.GridSearchCV, "fit", fit_and_record)
    assert selection.main(["--rows", "400", "--out", str(out)]) == 0  # enough for healthy Swiss patients
    report = json.loads(out.read_text(encoding="utf-8"))
    assert list(report["candidates"]) == ["a", "b"] and len(report["folds"]) == 4  # one outer fold per hospital
    assert sorted(fold["held_out"] for fold in report["folds"]) == sorted(dataset_hospitals())
    assert sum(entry["outer_folds_won"] for entry in report["candidates"].values()) == 4
    for fold in report["folds"]:
        losses = fold["inner_log_loss"]
        assert set(losses) == {"a", "b"} and fold["chosen"] == min(losses, key=losses.get)
    whole = {name: entry["whole_data_inner_log_loss"] for name, entry in report["candidates"].items()}
    assert report["chosen_default"] == min(whole, key=whole.get)
    assert report["chosen_params"] == tiny[report["chosen_default"]]
    assert 0.5 < report["nested"]["roc_auc"]["mean"] <= 1
    # Four outer searches, each on three hospitals; the final one on all four, with training rows only.
    assert [len(hospitals) for _, hospitals in searched] == [3, 3, 3, 3, 4]
    _, test_rows = holdout_split(dataset, seed=0)
    final_rows, _ = searched[-1]
    assert final_rows and not final_rows & set(test_rows)
    assert report["cv"]["final_search"]["rows"] == len(final_rows)
    assert f"**`{report['chosen_default']}`**" in selection_table(report)
    assert tables.selection_table(report) in capsys.readouterr().out
    assert HOSPITAL not in report["chosen_params"]


def dataset_hospitals() -> list[str]:
    from heartnet.features import HOSPITALS

    return [name for name, _ in HOSPITALS]


@pytest.mark.slow
def test_speed_benchmark_on_a_tiny_configuration(tmp_path, capsys):
    from benchmarks import speed, tables

    out = tmp_path / "speed.json"
    argv = ["--repeats", "1", "--rows", "120", "--calls", "20", "--process-runs", "1", "--out", str(out)]
    assert speed.main(argv) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["train_seconds"]) >= {"heartnet", "random_forest"}
    assert report["predict_one"]["p50_ms"] > 0 and report["predict_one"]["speedup_p50"] > 0
    stages = report["predict_one"]["stages_p50_ms"]
    assert set(stages) == {"validate_row", "to_tensors", "model_call"}
    assert all(ms > 0 for ms in stages.values())
    assert all(rate > 0 for rate in report["batch_rows_per_second"].values())
    cli = report["command_line"]
    assert set(cli["help_s"]) == {"heartnet", "data", "train", "predict", "evaluate", "recalibrate", "score", "export"}
    assert 0 < cli["python_floor_s"] < cli["tensorflow_keras_import_s"]
    assert cli["predict_one_row_s"] > cli["python_floor_s"]  # its distance to the TensorFlow floor is noise-sized
    assert cli["predict_over_import_s"] == pytest.approx(cli["predict_one_row_s"] - cli["tensorflow_keras_import_s"])
    assert set(report["goals"]) == {
        "train_seconds",
        "predict_one_p50_ms",
        "predict_one_speedup",
        "batch_rows_per_second",
        "help_seconds",
        "predict_over_import_seconds",
    }
    assert report["goals"]["help_seconds"]["measured"] == max(cli["help_s"].values())
    assert tables.speed_table(report) in capsys.readouterr().out


def test_readme_tables_are_generated_from_the_committed_reports():
    from benchmarks import readme_table

    assert readme_table.main(["--check"]) == 0


def _document(path, blocks, around=("intro", "rest")):
    body = "".join(f"## {b}\n<!-- {b}:start -->\nold\n<!-- {b}:end -->\n" for b in blocks)
    path.write_text(f"{around[0]}\n{body}{around[1]}\n", encoding="utf-8")
    return path


def test_readme_table_renders_a_report(tmp_path):
    from benchmarks import readme_table as table

    readme = _document(tmp_path / "README.md", table.README_BLOCKS)
    card = _document(tmp_path / "model_card.md", table.MODEL_CARD_BLOCKS)
    data_readme = _document(tmp_path / "data.md", table.DATA_README_BLOCKS)
    reports = tmp_path / "reports"
    reports.mkdir()
    quality = {
        "cv": {"n_splits": 5, "n_repeats": 1, "rows": 120},
        "models": {
            name: {
                m: {"mean": value, "std": 0.01}
                for m in ("roc_auc", "accuracy", "f1", "brier", "log_loss", "fit_seconds")
            }
            for name, value in (("heartnet", 0.9), ("svc", 0.8))
        },
        "comparisons": {"svc": {m: {"mean": 0.1, "low": 0.05, "high": 0.15} for m in ("roc_auc", "brier")}},
    }
    (reports / "quality.json").write_text(json.dumps(quality), encoding="utf-8")
    paths = ["--readme", str(readme), "--model-card", str(card), "--data-readme", str(data_readme)]
    paths += ["--reports", str(reports)]
    assert table.main([*paths, "--check"]) == 1
    assert table.main(paths) == 0
    text = card.read_text(encoding="utf-8")
    assert text.startswith("intro\n") and text.endswith("\nrest\n") and "old" not in text
    # Decimal commas: the tables are Spanish, and their thousands are written with points (1.000.000).
    assert re.search(r"\| \*\*heartnet \(red neuronal\)\*\* +\| 0,9000 ± 0,010", text)
    assert re.search(r"\| Máquina de vectores de soporte +\| \+0,1000 \[\+0,0500, \+0,1500\]", text)
    assert table.main([*paths, "--check"]) == 0
    # The README's blocks need reports that are not here: they are left empty, and no table is printed twice.
    assert "0,9000" not in readme.read_text(encoding="utf-8") and "old" not in readme.read_text(encoding="utf-8")


def test_the_readmes_model_sentence_is_the_searchs_winner_merged_with_the_defaults():
    """The sentence carries the report's values and the package's defaults for what the search left alone."""
    from benchmarks import tables

    shipped_model_text = tables.shipped_model_text
    defaults = heartnet.HeartnetClassifier().get_params()

    params = {"members": 3, "units": [11], "bins": 0, "missing": "mean"}
    report = {"chosen_default": "small", "final_lowest_log_loss": "small", "chosen_params": params}
    report["candidates"] = {key: {} for key in "abcdefg"}
    text = shipped_model_text(report)
    numbers = set(re.findall(r"\d+(?:,\d+)?", text))
    assert "`small`" in text and {"3", "11", "7"} <= numbers  # the winner, its members and units, the candidates
    assert f"{defaults['dropout']:.1f}".replace(".", ",") in numbers  # not searched: the package default
    assert str(defaults["epochs"] if defaults["patience"] is None else defaults["patience"]) in numbers
    tied = shipped_model_text({**report, "final_lowest_log_loss": "ple"})
    assert "`ple`" in tied and "`small`" in tied and "`ple`" not in text  # a near tie names both
    # every choice of the search shows: the bins (with their number), and how a missing cholesterol enters
    binned = shipped_model_text({**report, "chosen_params": {**params, "bins": 5}})
    assert binned != text and "5" in set(re.findall(r"\d+(?:,\d+)?", binned)) - numbers
    by_missing = {shipped_model_text({**report, "chosen_params": {**params, "missing": m}}) for m in MISSING}
    assert len(by_missing) == len(MISSING)


@pytest.mark.slow
def test_scoring_benchmark_on_a_tiny_configuration(tmp_path, trained_path, capsys):
    from benchmarks import scoring, tables

    out = tmp_path / "scoring.json"
    code = scoring.main(
        ["--sizes", "600", "--chunk-size", "100", "--model", str(trained_path), "--out", str(out)]
    )  # one size: each size costs two child processes that import TensorFlow
    assert code == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    ours = report["sizes"]["600"]["heartnet"]
    assert ours["scored"] + ours["rejected"] == 600 and ours["rejected"] == 600 // 100
    assert set(ours["seconds_split"]) == {"validation", "inference", "writing"}
    assert report["sizes"]["600"]["naive_pandas_model_predict"]["scored"] == 600
    many = report["many_bad_rows"]["heartnet"]  # the largest size again, with 30% of its rows bad
    assert (many["scored"], many["rejected"]) == (420, 180)
    assert set(report["goals"]) == {
        "rows_per_second_at_largest",
        "memory_ratio_largest_to_smallest",
        "memory_ratio_many_bad_rows_to_smallest",
    }
    printed = capsys.readouterr().out
    assert tables.scoring_table(report) in printed and "30 % de filas dañadas en 600 filas" in printed


def test_the_shipped_models_facts_come_from_its_own_record(tmp_path, trained_path, capsys):
    from benchmarks import model_tables, shipped

    out = tmp_path / "shipped.json"
    assert shipped.main(["--model", str(trained_path), "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    record = heartnet.load(trained_path).metadata
    assert report["rows"]["training"] + report["rows"]["held_out"] == record["data"]["rows"]
    held = report["held_out"]
    assert held["roc_auc_low"] <= held["roc_auc"] <= held["roc_auc_high"]
    assert held["calibration_slope_low"] <= held["calibration_slope"] <= held["calibration_slope_high"]
    assert held["sensitivity"] == record["metrics"]["sensitivity"] and report["threshold"] == record["threshold"]
    card = model_tables.shipped_table(report | {"machine": {"date": "2026-12-05T00:00"}, "source": {"commit": None}})
    assert f"{report['rows']['training']} de entrenamiento" in card and "sensibilidad" in card


def test_the_readmes_hospital_check_is_a_session_the_cli_accepts():
    """Every command of the README's check parses (the report shows what each one printed when it ran)."""
    from benchmarks import hospital_check as check
    from benchmarks import model_tables
    from heartnet.cli.parser import build_parser

    for command in check.steps("Long Beach VA"):
        assert command[0] == "heartnet"
        build_parser().parse_args(command[1:])  # argparse exits (SystemExit) on a command it does not take
    ran = {"commands": [{"command": ["heartnet", "evaluate"], "stdout": "a\nconfusion matrix\n  1  2\n  3  4\nb\n",
                         "stderr": "heartnet: warning: w\n", "exit": 0}]}  # fmt: skip
    block = model_tables.hospital_check_block(ran)
    assert block == "```console\n$ heartnet evaluate\na\n[…]\nb\nheartnet: warning: w\n```"


def _evaluation(stdout: str) -> dict:
    """What the README's reading takes from one ``evaluate --data`` output."""
    number = r"(-?[\d.]+)"
    found = {
        "prevalence": rf"patients, {number}% with",
        "mean_predicted": rf"mean predicted risk {number}%",
        "roc_auc": rf"ROC AUC {number}",
        "intercept_low": rf"calibration intercept \S+ \[{number},",
        "intercept_high": rf"calibration intercept \S+ \[\S+ {number}\]",
        "sensitivity": rf"sensitivity {number}",
        "specificity": rf"specificity {number}",
    }
    return {name: float(re.search(pattern, stdout).group(1)) for name, pattern in found.items()}


def test_the_readmes_reading_of_the_hospital_check_is_what_the_committed_session_printed():
    """«Cómo leerlo» under the README's session says these things in words: the report must still show them."""
    report = json.loads((REPORTS / "hospital_check.json").read_text(encoding="utf-8"))
    first, base, updated = (
        _evaluation(step["stdout"]) for step in report["commands"] if step["command"][1] == "evaluate"
    )
    recalibration = next(step for step in report["commands"] if step["command"][1] == "recalibrate")
    assert first["intercept_high"] < 0  # its interval is negative, short of 0: it overestimates the risk
    assert (
        recalibration["stdout"].startswith("auto: intercept")
        and "advised for a recalibration" in recalibration["stderr"]
    )
    assert updated["intercept_low"] < 0 < updated["intercept_high"]  # on the other half, 0 is inside
    assert abs(updated["mean_predicted"] - updated["prevalence"]) < 1  # «casi igual»: within a percentage point
    assert updated["roc_auc"] == base["roc_auc"]  # recalibrating keeps the ranking
    assert updated["specificity"] > base["specificity"] and updated["sensitivity"] < base["sensitivity"]


def test_the_package_default_is_the_winner_of_the_committed_nested_search():
    from benchmarks import selection

    report = json.loads((REPORTS / "selection.json").read_text(encoding="utf-8"))
    import heartnet

    defaults = heartnet.HeartnetClassifier().get_params()
    chosen = report["chosen_params"]
    assert {name: defaults[name] for name in chosen} == {
        name: tuple(value) if isinstance(value, list) else value for name, value in chosen.items()
    }
    names = list(report["candidates"])
    by_fold = [report["candidates"][name]["final_search_log_loss_by_fold"] for name in names]
    results = {"mean_test_score": [-np.mean(losses) for losses in by_fold]}
    results |= {f"split{k}_test_score": [-losses[k] for losses in by_fold] for k in range(len(by_fold[0]))}
    assert report["chosen_default"] == names[selection.prefer_standard(names)(results)]


def test_a_custom_encoding_yields_to_keras_normalization_within_the_searchs_noise():
    from benchmarks import selection

    names = ["ple4_net", "standardized_net", "ple4_other"]

    def results(*losses_by_fold):  # one list of per-hospital log losses per candidate
        table = {"mean_test_score": [-np.mean(losses) for losses in losses_by_fold]}
        return table | {f"split{k}_test_score": [-losses[k] for losses in losses_by_fold] for k in range(3)}

    choose = selection.prefer_standard(names)
    noisy = results([0.40, 0.42, 0.38], [0.39, 0.45, 0.38], [0.5, 0.5, 0.5])  # ahead by 0.0067, SE 0.012
    assert choose(noisy) == 1
    clear = results([0.40, 0.42, 0.38], [0.45, 0.47, 0.43], [0.5, 0.5, 0.5])  # ahead by 0.05 in every fold
    assert choose(clear) == 0
    assert choose(results([0.6, 0.6, 0.6], [0.5, 0.5, 0.5], [0.4, 0.4, 0.4])) == 2  # no twin: the lowest loss


@pytest.mark.slow
def test_hospitals_benchmark_on_a_tiny_configuration(tmp_path, capsys, monkeypatch):
    import numpy as np

    import heartnet
    from benchmarks import hospital_tables
    from benchmarks import hospitals as benchmark
    from heartnet.features import MISSING

    hospitals_table, sex_table = hospital_tables.hospitals_table, hospital_tables.sex_table
    threshold_table = hospital_tables.threshold_table

    real = heartnet.HeartnetClassifier
    monkeypatch.setattr(heartnet, "HeartnetClassifier", lambda **params: real(members=1, epochs=3, **params))
    out = tmp_path / "hospitals.json"
    argv = ["--rows", "300", "--repeats", "1", "--models", "heartnet,catboost,logistic_regression"]
    assert benchmark.main([*argv, "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    hospitals = [h["hospital"] for h in report["hospitals"]]
    assert hospitals == dataset_hospitals() and sum(h["n"] for h in report["hospitals"]) == 300
    assert list(report["models"]) == ["heartnet", "catboost", "logistic_regression"]
    keys = {"hospital", "n", "prevalence", "roc_auc", "brier", "log_loss", "calibration_intercept"}
    for entry in report["models"].values():
        per_hospital = entry["per_hospital"]
        assert [h["hospital"] for h in per_hospital] == hospitals
        assert keys | {"calibration_slope", "roc_auc_low", "roc_auc_high", "mean_predicted"} <= set(per_hospital[0])
        for metric in ("roc_auc", "brier", "log_loss"):
            values = [h[metric] for h in per_hospital]
            assert entry["mean"][metric] == pytest.approx(np.mean(values))
            assert entry["range"][metric] == [min(values), max(values)]
        assert entry["lowest_calibration_slope"] == min(h["calibration_slope"] for h in per_hospital)
        assert all(h["roc_auc_low"] <= h["roc_auc"] <= h["roc_auc_high"] for h in per_hospital)
        assert [g["sex"] for g in entry["by_sex"]] and sum(g["n"] for g in entry["by_sex"]) == 300
    assert set(report["pooled"]) == {"heartnet", "catboost", "logistic_regression", "hospital_only"}
    assert "within_hospital" not in report["pooled"]["hospital_only"]
    assert [h["hospital"] for h in report["pooled"]["heartnet"]["within_hospital"]] == hospitals
    assert set(report["cholesterol"]["heartnet"]) == set(report["cholesterol"]["logistic_regression"]) == set(MISSING)
    assert set(report["cholesterol"]["catboost"]) == {"nan", "mean", "drop"}
    # the default handling is not run twice: its held-out predictions are the main table's
    default = report["cholesterol"]["heartnet"]["mean"]
    assert default["mean"] == {m: report["models"]["heartnet"]["mean"][m] for m in ("roc_auc", "brier", "log_loss")}
    assert [h["hospital"] for h in default["per_hospital"]] == hospitals and "roc_auc_low" in default["per_hospital"][0]
    ours, theirs = report["models"]["heartnet"]["mean"], report["models"]["catboost"]["mean"]
    against = report["goals"]["against"]
    assert set(against) == {"catboost", "logistic_regression"}
    assert against["catboost"]["log_loss"]["met"] == (ours["log_loss"] <= theirs["log_loss"])
    difference = against["catboost"]["log_loss"]["difference"]
    assert difference["mean"] == pytest.approx(ours["log_loss"] - theirs["log_loss"])
    assert difference["low"] <= difference["mean"] <= difference["high"]
    assert report["goals"]["ahead_of_every_baseline"] == all(e["met"] for m in against.values() for e in m.values())
    at = report["models"]["heartnet"]["at_threshold"]
    assert [h["hospital"] for h in at["per_hospital"]] == hospitals
    assert sum(sum(h["confusion_matrix"].values()) for h in at["per_hospital"]) == 300
    for entry in [*at["per_hospital"], at["together"], report["pooled"]["heartnet"]["at_threshold"]]:
        assert entry["threshold"] == heartnet.DEFAULT_THRESHOLD
        for rate in ("sensitivity", "specificity", "ppv", "npv"):
            assert entry[rate] is None or entry[f"{rate}_low"] <= entry[rate] <= entry[f"{rate}_high"]
    assert "VPP" in threshold_table(report) and "no medido" in hospitals_table(report)
    assert {"cpu", "cores"} <= set(report["machine"]) and {"statsmodels", "catboost"} <= set(report["versions"])
    assert "Hungría" in hospitals_table(report) and "Femenino" in sex_table(report)
    curves = report["decision_curves"]
    assert curves["threshold"] == round(heartnet.DEFAULT_THRESHOLD, 2) and set(curves["per_hospital"]) == set(hospitals)
    for entry in [curves["pooled"], *curves["per_hospital"].values()]:
        model, everyone = entry["net_benefit"]["model"], entry["net_benefit"]["all"]
        assert len(model) == len(everyone) == len(curves["thresholds"]) and set(entry["net_benefit"]["none"]) == {0.0}
        beats = [t for t, m, a in zip(curves["thresholds"], model, everyone, strict=True) if m > max(a, 0.0)]
        assert entry["beats_both_at"] == beats
    assert any(report["recalibration"].values())  # some hospital had patients to spare
    for sizes in report["recalibration"].values():
        for k, methods in sizes.items():
            assert ("logistic" in methods) == (int(k) >= 50)  # the command refuses a slope below 50 patients
            assert sum(methods["auto_chose"].values()) == 20  # one choice per draw
    assert report["recalibration_goals"]["recalibrate_seconds"]["measured"] > 0
    printed = capsys.readouterr().out
    assert hospital_tables.all_tables(report) in printed and "Curvas de decisión" in printed


@pytest.mark.parametrize(
    ("hospitals", "message"),
    [
        (["X"] * 6, r"needs at least two hospitals; got 1: 'X'"),
        (["X", "Y", "", "Y", "X", "Y"], r"line 4.*Hospital"),
        (None, r"needs a 'Hospital' column"),
    ],
    ids=["one hospital", "an empty hospital", "no Hospital column"],
)
def test_hospitals_benchmark_refuses_a_file_it_cannot_split_and_writes_nothing(
    tmp_path, capsys, dataset, hospitals, message
):
    import re

    from benchmarks import hospitals as benchmark

    rows = dataset.head(6).assign(Cholesterol=lambda df: df["Cholesterol"].fillna(0))
    if hospitals is not None:
        rows = rows.assign(Hospital=hospitals)
    source, out = tmp_path / "mine.csv", tmp_path / "hospitals.json"
    rows.to_csv(source, index=False)
    assert benchmark.main(["--data", str(source), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert re.search(message, error) and error.count("\n") == 1  # one line, no traceback
    assert not out.exists()


def _two_hospitals():
    """Hospital A (10 patients) ranks perfectly at 0,8 and 0,2; hospital B (40) gives everyone 0,5."""
    y = np.array([1] * 5 + [0] * 5 + [1] * 20 + [0] * 20)
    p = np.array([0.8] * 5 + [0.2] * 5 + [0.5] * 40)
    return y, p, np.array(["A"] * 10 + ["B"] * 40)


def test_the_headline_interval_is_of_the_mean_over_hospitals_each_counting_once():
    from sklearn.metrics import log_loss, roc_auc_score

    from benchmarks import nested

    y, p, hospitals = _two_hospitals()
    # Every resample keeps each hospital's classes, so A stays perfect and B a coin: the interval has no width.
    assert nested.hospital_mean_interval(y, p, hospitals, "roc_auc", resamples=200) == {
        "mean": 0.75,
        "low": 0.75,
        "high": 0.75,
    }
    assert roc_auc_score(y, p) != pytest.approx(0.75)  # pooling the patients would give another number
    loss = nested.hospital_mean_interval(y, p, hospitals, "log_loss", resamples=200)
    expected = (-np.log(0.8) + np.log(2)) / 2  # A's and B's log losses, each counting once despite their sizes
    assert loss == pytest.approx({"mean": expected, "low": expected, "high": expected})
    assert log_loss(y, p) != pytest.approx(expected)


def test_with_one_hospital_the_headline_interval_is_the_packages_stratified_bootstrap():
    from benchmarks import nested
    from heartnet.evaluate import roc_auc_interval

    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 120)
    p = np.clip(0.5 + 0.25 * (y - 0.5) + rng.normal(0, 0.2, 120), 0.01, 0.99)
    found = nested.hospital_mean_interval(y, p, ["A"] * 120, "roc_auc", resamples=500, seed=3)
    low, high = roc_auc_interval(y, p, resamples=500, seed=3)
    assert found["low"] < found["mean"] < found["high"]
    assert (found["low"], found["high"]) == pytest.approx((low, high))


def test_the_headline_report_refuses_a_search_its_refits_do_not_repeat():
    from benchmarks import nested

    y, p, hospitals = _two_hospitals()
    folds = [
        {"held_out": "A", "chosen": "a", "roc_auc": 1.0, "log_loss": -np.log(0.8)},
        {"held_out": "B", "chosen": "b", "roc_auc": 0.5, "log_loss": np.log(2)},
    ]
    report = nested.summarize({"folds": folds}, y, p, hospitals, resamples=100)
    assert report["roc_auc"]["range"] == [0.5, 1.0] and report["roc_auc"]["mean"] == 0.75
    assert report["hospitals"]["A"] == {
        "patients": 10,
        "diseased": 5,
        "chosen": "a",
        "roc_auc": 1.0,
        "log_loss": pytest.approx(-np.log(0.8)),
    }
    stale = [folds[0], {**folds[1], "roc_auc": 0.6}]
    from heartnet.errors import DataError

    with pytest.raises(DataError, match=r"^B: roc_auc 0.5000 refitted, 0.6000 in .*make search"):
        nested.summarize({"folds": stale}, y, p, hospitals)


def test_the_headline_benchmark_without_a_search_report_says_so_in_one_line(tmp_path, capsys):
    from benchmarks import nested

    out = tmp_path / "nested.json"
    assert nested.main(["--selection", str(tmp_path / "none.json"), "--out", str(out)]) == 2
    error = capsys.readouterr().err
    assert "none.json" in error and "make search" in error and error.count("\n") == 1
    assert not out.exists()


NESTED = {
    "confidence": 0.95,
    "roc_auc": {"mean": 0.8767, "low": 0.8341, "high": 0.9158, "range": [0.8251, 0.9517]},
    "log_loss": {"mean": 0.4026, "low": 0.3641, "high": 0.4419, "range": [0.30, 0.54]},
    "hospitals": {name: {} for name in "ABCD"},
}


def test_the_documents_show_the_headline_with_its_interval_and_the_spread_between_hospitals():
    from benchmarks import model_tables, tables

    reports = REPORTS
    shipped, hospitals, quality = (
        json.loads((reports / f"{name}.json").read_text(encoding="utf-8"))
        for name in ("shipped", "hospitals", "quality")
    )
    headline = model_tables.headline_list(shipped, NESTED, hospitals, quality).splitlines()[0]
    assert headline.startswith(
        "- **La cifra del proyecto: ROC AUC 0,877 [0,834, 0,916]**, log loss 0,403 [0,364, 0,442]"
    )
    assert "según el hospital, de 0,825 a 0,952; `reports/nested.json`" in headline and "±" not in headline
    glance = model_tables.glance_table(shipped, NESTED, hospitals, quality)
    assert "| **0,877 [0,834, 0,916]** (de 0,825 a 0,952) | 0,403 [0,364, 0,442] |" in glance
    selection = json.loads((reports / "selection.json").read_text(encoding="utf-8"))
    card = tables.selection_table(selection, NESTED).splitlines()[-1]
    assert (
        "ROC AUC 0,877 [0,834, 0,916], log loss 0,403 [0,364, 0,442] (intervalo del 95 % de la media de los 4 " in card
    )
    accuracy, brier = (f"{selection['nested'][m]['mean']:.3f}".replace(".", ",") for m in ("accuracy", "brier"))
    assert card.endswith(f"ROC AUC de 0,825 a 0,952); exactitud (umbral 0,5): {accuracy}, Brier {brier}.")
    assert "[" not in tables.selection_table(selection).splitlines()[-1]  # the search's own printout: no interval


def test_the_committed_headline_interval_repeats_the_committed_nested_search():
    reports = REPORTS
    nested, selection = (
        json.loads((reports / f"{name}.json").read_text(encoding="utf-8")) for name in ("nested", "selection")
    )
    by_hospital = {fold["held_out"]: fold for fold in selection["folds"]}
    assert set(nested["hospitals"]) == set(by_hospital)
    for metric in ("roc_auc", "log_loss"):
        summary = nested[metric]
        assert summary["mean"] == pytest.approx(selection["nested"][metric]["mean"])
        assert summary["low"] < summary["mean"] < summary["high"]
        values = [fold[metric] for fold in selection["folds"]]
        assert summary["range"] == pytest.approx([min(values), max(values)])
        for hospital, entry in nested["hospitals"].items():
            assert entry[metric] == pytest.approx(by_hospital[hospital][metric])
    assert nested["selection_source"] == selection["source"]


def test_importing_the_benchmarks_changes_neither_the_import_path_nor_the_warnings_filters():
    """A benchmark imported by a test (or by another benchmark) leaves the process as it found it: no folder put
    first on ``sys.path`` (where ``tables`` or ``common`` would hide real packages), no heartnet warning silenced
    (the libraries it imports may add filters of their own)."""
    code = (
        "import importlib, pkgutil, sys, warnings\n"
        "import benchmarks\n"
        "path, filters = list(sys.path), list(warnings.filters)\n"
        "for module in pkgutil.iter_modules(benchmarks.__path__):\n"
        "    importlib.import_module(f'benchmarks.{module.name}')\n"
        "ours = [f for f in warnings.filters if f not in filters and f[2].__module__.startswith('heartnet')]\n"
        "print(sys.path == path, ours == [])\n"
    )
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), *sys.path])}
    ran = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, cwd=ROOT)
    assert ran.returncode == 0, ran.stderr
    assert ran.stdout.split() == ["True", "True"]


def test_a_benchmark_silences_out_of_range_warnings_only_while_it_runs():
    from benchmarks.common import out_of_range_expected
    from heartnet.ranges import OutOfRangeWarning

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with out_of_range_expected():
            warnings.warn(OutOfRangeWarning("Age", 99, 28, 77), stacklevel=1)
            warnings.warn("another kind", UserWarning, stacklevel=1)
        warnings.warn(OutOfRangeWarning("Age", 20, 28, 77), stacklevel=1)
    assert [str(warning.message)[:9] for warning in caught] == ["another k", "Age: 20 i"]


def test_the_makefile_runs_each_benchmark_as_a_module_of_the_package():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "benchmarks/" not in makefile  # a script path would put benchmarks/ first on sys.path
    modules = re.findall(r"python -m (benchmarks\.\w+)", makefile)
    assert modules and all(importlib.util.find_spec(module) is not None for module in modules)


def test_one_table_renderer_pads_the_columns_and_right_aligns_only_numbers():
    from benchmarks.tables import markdown_table

    rows = [["a", "8 MLP, capas de 16", "0,87"], ["bbb", "x", "1"]]
    lines = markdown_table(["modelo", "configuración", "ROC AUC"], rows)
    assert lines[1] == "| ------ | ------------------ | ------: |"
    assert lines[2] == "| a      | 8 MLP, capas de 16 |    0,87 |"
    assert len({len(line) for line in lines}) == 1
