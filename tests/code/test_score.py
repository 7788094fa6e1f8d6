"""`heartnet score` streams a CSV into an atomically written output, with a progress bar on a terminal."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest

import heartnet
from heartnet import cli
from heartnet.cli.progress import terminal_progress
from heartnet.decision import classify
from heartnet.errors import DataError
from heartnet.features import FEATURE_NAMES
from heartnet.score import FIRST_REJECTS, score_csv
from heartnet.storage import TrainedModel


@pytest.fixture(scope="module")
def patients(dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(40).copy()
    rows.insert(0, "ID", [f"p{i}" for i in range(len(rows))])
    return rows


def _with_bad_rows(patients):
    bad = patients.astype(object).copy()
    bad.loc[bad.index[3], "Sex"] = "X"
    bad.loc[bad.index[17], "MaxHR"] = "fast"
    bad.loc[bad.index[30], "Age"] = 500
    return bad


def test_scores_good_rows_and_rejects_bad_ones_with_their_line(tmp_path, patients, model):
    source = tmp_path / "in.csv"
    _with_bad_rows(patients).to_csv(source, index=False)
    out, rejects = tmp_path / "out.csv", tmp_path / "rejects.csv"
    summary = score_csv(source, out, model, chunk_rows=7, rejects_path=rejects)
    assert (summary.scored, summary.rejected) == (37, 3)
    scored = pd.read_csv(out)
    assert list(scored.columns) == [*patients.columns, "probability", "prediction", "out_of_range"]
    good = patients.drop(index=patients.index[[3, 17, 30]])
    assert list(scored["ID"]) == list(good["ID"])
    np.testing.assert_allclose(scored["probability"], heartnet.predict(good.drop(columns="ID"), model), atol=1e-6)
    assert (scored["prediction"] == (scored["probability"] >= heartnet.DEFAULT_THRESHOLD)).all()
    bad = pd.read_csv(rejects)
    assert list(bad["line"]) == [5, 19, 32]  # header is line 1, the 4th data row is line 5
    assert "field 'Sex': got 'X'" in bad["reason"][0] and "got str 'fast'" in bad["reason"][1]


def test_chunk_size_does_not_change_the_output(tmp_path, patients, model):
    source = tmp_path / "in.csv"
    _with_bad_rows(patients).to_csv(source, index=False)
    score_csv(source, tmp_path / "a.csv", model, chunk_rows=1)
    score_csv(source, tmp_path / "b.csv", model, chunk_rows=1000)
    assert (tmp_path / "a.csv").read_text(encoding="utf-8") == (tmp_path / "b.csv").read_text(encoding="utf-8")


def test_semicolons_and_decimal_commas(tmp_path, patients, model):
    comma, spanish = tmp_path / "comma.csv", tmp_path / "spanish.csv"
    patients.to_csv(comma, index=False)
    patients.to_csv(spanish, index=False, sep=";", decimal=",")
    score_csv(comma, tmp_path / "a.csv", model)
    score_csv(spanish, tmp_path / "b.csv", model)
    a = pd.read_csv(tmp_path / "a.csv")
    b = pd.read_csv(tmp_path / "b.csv", sep=";", decimal=",")
    np.testing.assert_allclose(a["probability"], b["probability"])


def test_an_interrupted_run_leaves_no_partial_output(tmp_path, patients, model, monkeypatch):
    from heartnet import score

    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    patients.to_csv(source, index=False)
    out.write_text("previous results\n", encoding="utf-8")
    calls = []

    def failing_inference(model, columns):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return np.zeros(len(columns) if isinstance(columns, pd.DataFrame) else len(next(iter(columns.values()))))

    monkeypatch.setattr(score, "probabilities", failing_inference)
    with pytest.raises(KeyboardInterrupt):
        score_csv(source, out, model, chunk_rows=10)
    assert out.read_text(encoding="utf-8") == "previous results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]


@pytest.mark.parametrize(
    ("content", "pattern"),
    [
        (b"", "the file is empty"),
        (b"Age,Sex\n40,M\n", "required columns missing: ChestPainType"),
        (b"PK\x03\x04\x00\x00", "not a text file"),
        (",".join(FEATURE_NAMES).encode() + b"\n", "the file has a header but no rows"),
        (",".join([*FEATURE_NAMES, "Age"]).encode() + b"\n" + b"1," * 11 + b"2\n", "more than once in the header: Age"),
    ],
    ids=["empty", "missing columns", "binary", "header only", "a column twice"],
)
def test_unusable_files_exit_2_without_output(tmp_path, trained_path, capsys, content, pattern):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(content)
    assert cli.main(["score", str(source), str(out), "--model", str(trained_path)]) == 2
    err = capsys.readouterr().err
    assert pattern in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_the_input_file_is_never_the_output_or_the_rejects(tmp_path, trained_path, patients, capsys):
    source = tmp_path / "in.csv"
    patients.to_csv(source, index=False)
    before = source.read_bytes()
    for targets in ([str(source)], [str(tmp_path / "out.csv"), "--rejects", str(tmp_path / "." / "in.csv")]):
        assert cli.main(["score", str(source), *targets, "--model", str(trained_path)]) == 2
        assert "is the input file" in capsys.readouterr().err
    assert source.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_cli_score_prints_a_summary(tmp_path, trained_path, patients, capsys):
    source, out, rejects = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "rejects.csv"
    _with_bad_rows(patients).to_csv(source, index=False)
    code = cli.main(["score", str(source), str(out), "--rejects", str(rejects), "--model", str(trained_path)])
    assert code == 0
    assert "scored 37 rows, rejected 3" in capsys.readouterr().out
    assert cli.main(["score", str(tmp_path / "none.csv"), str(out), "--model", str(trained_path)]) == 2


def _cells(row: dict) -> str:
    return ",".join("" if value is None else str(value) for value in row.values())


def test_doubtful_cells_get_the_loaders_reading_and_lines_stay_right(tmp_path, model, patient):
    """Unusual cells are read as the loader reads them; bad rows keep their true line."""
    header = ",".join(patient)
    lines = [
        _cells(patient),  # line 2: plain
        _cells({**patient, "Age": "5.4e1", "Cholesterol": "NA", "FastingBS": "1.0"}),  # 3: unusual but valid
        _cells({**patient, "Age": " 54 ", "Cholesterol": ""}),  # 4: padded number, empty = not measured
        _cells({**patient, "ChestPainType": " ASY"}),  # 5: padded category is not a category
        "54,M,ASY",  # 6: too few fields
        _cells(patient) + ",extra",  # 7: too many fields
        _cells({**patient, "Cholesterol": 0}),  # 8: 0 = not measured
        _cells({**patient, "FastingBS": 2}),  # 9: not 0/1
    ]
    source, out, rejects = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "rejects.csv"
    source.write_text("\ufeff" + header + "\n" + "\n".join(lines) + "\n", encoding="utf-8")  # with a BOM
    summary = score_csv(source, out, model, chunk_rows=3, rejects_path=rejects)
    assert (summary.scored, summary.rejected) == (4, 4)
    expected = heartnet.predict(
        [
            patient,
            {**patient, "Cholesterol": None, "FastingBS": 1},
            {**patient, "Cholesterol": None},
            {**patient, "Cholesterol": None},
        ],
        model,
    )
    scored = pd.read_csv(out, dtype={"Age": str, "FastingBS": str})
    assert list(scored.columns) == [*patient, "probability", "prediction", "out_of_range"]
    assert list(scored["Age"]) == ["54", "5.4e1", " 54 ", "54"]  # cells written back as they came
    np.testing.assert_allclose(scored["probability"], expected, atol=1e-6)
    bad = pd.read_csv(rejects)
    assert list(bad["line"]) == [5, 6, 7, 9]
    assert "did you mean 'ASY'?" in bad["reason"][0]
    assert list(bad["reason"][1:3]) == ["expected 11 fields, got 3", "expected 11 fields, got 12"]
    assert "field 'FastingBS': got 2" in bad["reason"][3]


def test_a_rejected_number_is_quoted_as_written_whatever_the_chunk_size(tmp_path, model, patient):
    """900 is quoted as 900 and 900.0 as 900.0, whichever rows share a chunk with it."""
    lines = [
        _cells({**patient, "Sex": "X", "MaxHR": "150.5"}),  # line 2: rejected, with a decimal in MaxHR
        _cells({**patient, "MaxHR": 900}),  # 3
        _cells({**patient, "MaxHR": "900.0"}),  # 4
    ]
    source = tmp_path / "in.csv"
    source.write_text(",".join(patient) + "\n" + "\n".join(lines) + "\n", encoding="utf-8")
    reasons = {}
    for chunk in (1, 1000):
        rejects = tmp_path / f"rejects-{chunk}.csv"
        score_csv(source, tmp_path / "out.csv", model, chunk_rows=chunk, rejects_path=rejects)
        reasons[chunk] = pd.read_csv(rejects)["reason"].tolist()
    assert reasons[1] == reasons[1000]
    assert reasons[1][1:] == [
        "field 'MaxHR': got 900; expected a number from 50 to 230 lpm",
        "field 'MaxHR': got 900.0; expected a number from 50 to 230 lpm",
    ]


def test_a_windows_1252_file_scores_like_its_utf8_twin(tmp_path, patients, model):
    named = patients.assign(ID=["Begoña", "Müller", "Ñandú", "José"] * 10)
    utf8, windows = tmp_path / "utf8.csv", tmp_path / "windows.csv"
    named.to_csv(utf8, index=False)
    named.to_csv(windows, index=False, sep=";", decimal=",", encoding="cp1252")
    score_csv(utf8, tmp_path / "a.csv", model)
    score_csv(windows, tmp_path / "b.csv", model)
    a = pd.read_csv(tmp_path / "a.csv")
    b = pd.read_csv(tmp_path / "b.csv", sep=";", decimal=",", encoding="utf-8")  # the output is UTF-8
    assert list(b["ID"][:4]) == ["Begoña", "Müller", "Ñandú", "José"]
    np.testing.assert_allclose(a["probability"], b["probability"])


def test_every_reason_of_a_row_is_given(tmp_path, patients, model):
    bad = patients.astype(object).copy()
    bad.loc[bad.index[2], ["Sex", "MaxHR", "Oldpeak"]] = ["X", 900, "fast"]
    source, rejects = tmp_path / "in.csv", tmp_path / "rejects.csv"
    bad.to_csv(source, index=False)
    score_csv(source, tmp_path / "out.csv", model, rejects_path=rejects)
    reason = pd.read_csv(rejects)["reason"][0]
    assert reason.split(" | ") == [
        "field 'Sex': got 'X'; expected one of 'M', 'F'",
        "field 'MaxHR': got 900; expected a number from 50 to 230 lpm",
        "field 'Oldpeak': got str 'fast'; expected a number from -5 to 10 mm",
    ]


def test_the_models_own_threshold_decides_unless_one_is_given(tmp_path, patients, model):
    source = tmp_path / "in.csv"
    patients.to_csv(source, index=False)
    strict = TrainedModel(model, {"threshold": 0.9})
    score_csv(source, tmp_path / "own.csv", strict)
    score_csv(source, tmp_path / "given.csv", strict, threshold=0.1)
    own, given = pd.read_csv(tmp_path / "own.csv"), pd.read_csv(tmp_path / "given.csv")
    assert (own["prediction"] == (own["probability"] >= 0.9)).all()
    assert (given["prediction"] == (given["probability"] >= 0.1)).all()
    assert own["prediction"].sum() < given["prediction"].sum()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_progress_bar_with_rows_per_second_and_an_eta(tmp_path, patients, model, monkeypatch):
    source = tmp_path / "in.csv"
    patients.to_csv(source, index=False)
    terminal = _Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    seen = []
    with terminal_progress(source) as progress:
        assert progress is not None
        score_csv(
            source, tmp_path / "out.csv", model, chunk_rows=10, progress=lambda *a: (seen.append(a), progress(*a))
        )
    assert [rows for rows, _ in seen] == [10, 20, 30, 40]
    assert seen[-1][1] == source.stat().st_size  # the whole file read at the end
    shown = terminal.getvalue()
    assert "40 rows" in shown and "rows/s" in shown and "ETA" in shown and "100%" in shown


def test_no_progress_bar_when_stderr_is_not_a_terminal(tmp_path, patients, capsys):
    source = tmp_path / "in.csv"
    patients.to_csv(source, index=False)
    with terminal_progress(source) as progress:
        assert progress is None
    assert capsys.readouterr().err == ""


def test_cells_are_quoted_only_where_they_must_be(tmp_path, patient, model):
    """pyarrow alone would quote every text cell ("José","54",...); only a cell with the separator or a quote is."""
    rows = [("José", 1), ('Pérez, "Pepe"', 2), ("Ana", 3)]
    header = ",".join(["ID", *patient])
    cells = ",".join(str(value) for value in patient.values())
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_text(
        header + "\n" + "\n".join(f"{csv_cell(name)},{cells}" for name, _ in rows) + "\n", encoding="utf-8"
    )
    for chunk in (1, 100):  # a chunk with a cell to quote and chunks without: the same rules
        score_csv(source, out, model, chunk_rows=chunk)
        lines = out.read_bytes().decode("utf-8").splitlines()
        assert lines[0] == header + ",probability,prediction,out_of_range"  # the header unquoted too
        assert lines[1].startswith(f"José,{cells},") and lines[3].startswith(f"Ana,{cells},")
        assert '"' not in lines[1] + lines[3]
        assert lines[2].startswith(f'"Pérez, ""Pepe""",{cells},')  # quoted, its quotes doubled: as the input wrote it
        probability, prediction, out_of_range = lines[1].split(",")[-3:]
        assert out_of_range == ""  # a bare Keras model records no training range
        assert float(probability) == pytest.approx(heartnet.predict_one(patient, model), abs=1e-6)
        assert prediction == str(int(float(probability) >= heartnet.DEFAULT_THRESHOLD))


def csv_cell(text: str) -> str:
    return f'"{text.replace(chr(34), chr(34) * 2)}"' if any(char in text for char in ',"') else text


def test_the_rejects_file_uses_the_inputs_separator(tmp_path, patients, model):
    source, rejects = tmp_path / "in.csv", tmp_path / "rejects.csv"
    _with_bad_rows(patients).to_csv(source, index=False, sep=";", decimal=",")
    score_csv(source, tmp_path / "out.csv", model, rejects_path=rejects)
    raw = rejects.read_bytes().decode("utf-8")
    assert raw.splitlines()[0] == "line;reason"
    rows = list(csv.reader(io.StringIO(raw), delimiter=";"))[1:]
    assert [row[0] for row in rows] == ["5", "19", "32"] and all(len(row) == 2 for row in rows)
    assert rows[0][1] == "field 'Sex': got 'X'; expected one of 'M', 'F'"  # its ";" quoted, not a third field
    assert raw.splitlines()[1] == "5;\"field 'Sex': got 'X'; expected one of 'M', 'F'\""


def test_score_says_which_encoding_it_read_when_not_utf8(tmp_path, trained_path, patients, capsys):
    named = patients.assign(ID=["Begoña", "Müller", "Ñandú", "José"] * 10)
    windows, utf8 = tmp_path / "windows.csv", tmp_path / "utf8.csv"
    named.to_csv(windows, index=False, sep=";", decimal=",", encoding="cp1252")
    named.to_csv(utf8, index=False)
    model = ["--model", str(trained_path)]
    assert cli.main(["score", str(windows), str(tmp_path / "a.csv"), *model]) == 0
    printed = capsys.readouterr()
    [said] = printed.err.splitlines()
    assert said.startswith("heartnet: read ") and said.endswith("windows.csv as Windows-1252, not UTF-8")
    assert printed.out.startswith("scored 40 rows, rejected 0")
    assert cli.main(["score", str(utf8), str(tmp_path / "b.csv"), *model]) == 0
    assert capsys.readouterr().err == ""  # UTF-8 goes without saying
    assert score_csv(windows, tmp_path / "c.csv", heartnet.load(trained_path)).encoding == "cp1252"


def test_a_hospital_column_is_carried_as_an_extra_column_never_as_an_input(tmp_path, patients, model):
    from heartnet.features import HOSPITAL

    with_hospital = patients.assign(**{HOSPITAL: ["Cleveland", "Hungary"] * 20})
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with_hospital.to_csv(source, index=False)
    summary = score_csv(source, out, model)
    assert (summary.scored, summary.rejected) == (40, 0)
    scored = pd.read_csv(out)
    assert list(scored[HOSPITAL]) == list(with_hospital[HOSPITAL])  # kept as written
    expected = heartnet.predict(patients.drop(columns="ID"), model)  # the same without the column
    np.testing.assert_allclose(scored["probability"], expected, atol=1e-6)


def _crowded_file(patient: dict) -> tuple[str, list[int], list[int]]:
    """Rows of the wrong width (one run of them too) among rows with bad values and blank lines, and at both ends.

    Returns the file, the lines of the rejected rows and the ``ID`` of the valid ones (blank lines take no number).
    """
    text, rejected, valid, line = "ID," + ",".join(patient) + "\n", [], [], 1
    for i in range(60):
        if i % 13 == 6:
            text += "\n"  # a blank line: no line number
        line += 1
        cells = [str(i), *(str(value) for value in patient.values())]
        if i % 7 == 0 or 30 <= i < 45 or i == 59:
            cells = cells[:4]  # too few fields: pyarrow skips it as it parses (a run of them from row 30)
        elif i % 11 == 3:
            cells.append("extra")  # too many
        elif i % 5 == 1:
            cells[2] = "X"  # Sex: a bad value, found by the checker
        else:
            valid.append(i)
            text += ",".join(cells) + "\n"
            continue
        rejected.append(line)
        text += ",".join(cells) + "\n"
    return text, rejected, valid


def test_rejects_of_both_kinds_stay_in_line_order_whatever_the_chunk_size(tmp_path, patient, model):
    text, lines, valid = _crowded_file(patient)
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    written = {}
    for chunk in (1, 2, 3, 7, 1000):
        out, rejects = tmp_path / f"out-{chunk}.csv", tmp_path / f"rejects-{chunk}.csv"
        summary = score_csv(source, out, model, chunk_rows=chunk, rejects_path=rejects)
        assert (summary.scored, summary.rejected) == (len(valid), len(lines))
        assert list(pd.read_csv(out)["ID"]) == valid
        bad = pd.read_csv(rejects)
        assert list(bad["line"]) == lines
        assert bad["reason"][0] == "expected 12 fields, got 4" and "field 'Sex': got 'X'" in bad["reason"][1]
        written[chunk] = out.read_bytes(), rejects.read_bytes()
    assert len(set(written.values())) == 1


def test_the_summary_keeps_the_first_rejects_and_counts_the_rest(tmp_path, patient, model):
    text, lines, _ = _crowded_file(patient)
    source = tmp_path / "in.csv"
    source.write_text(text, encoding="utf-8")
    with_file = score_csv(source, tmp_path / "a.csv", model, chunk_rows=4, rejects_path=tmp_path / "rejects.csv")
    without = score_csv(source, tmp_path / "b.csv", model, chunk_rows=4)
    for summary in (with_file, without):
        assert summary.rejected == len(lines) > FIRST_REJECTS
        assert list(summary.first_rejects) == lines[:FIRST_REJECTS]
        assert str(summary.first_rejects[lines[0]][0]) == f"line {lines[0]}: expected 12 fields, got 4"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", "in.csv", "rejects.csv"]


@pytest.mark.parametrize("value", [-0.1, 1.5, float("nan"), "alto", None])
def test_one_threshold_rule_for_classify_and_score(value, tmp_path, model, dataset):
    with pytest.raises(ValueError, match="the threshold must be a number from 0 to 1"):
        classify([0.3], value)
    source = tmp_path / "in.csv"
    dataset[list(heartnet.FEATURE_NAMES)].head(3).fillna(0).to_csv(source, index=False)
    if value is not None:  # None means "the model's own" to score_csv
        with pytest.raises(DataError, match="the threshold must be a number from 0 to 1"):
            score_csv(source, tmp_path / "out.csv", model, threshold=value)
        assert not (tmp_path / "out.csv").exists()
