"""The Streamlit app, driven with streamlit.testing.v1.AppTest (same process, no browser), as a user would."""

from __future__ import annotations

import csv
import io
import tomllib
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st

import heartnet
from heartnet.app.batch import score_upload, template_csv, write_like
from heartnet.csvio import read_patients
from heartnet.spanish import percent, validation_message

ROOT = Path(__file__).resolve().parents[2]


def fill_form(app, patient: dict) -> None:
    """Type a patient into the prediction form, widget by widget, as a person would (numbers as text)."""
    for feature in heartnet.FEATURES:
        value = patient[feature.name]
        if feature.kind == "numeric":
            app.text_input(key=feature.name).input(value if isinstance(value, str) else f"{value:g}")
        else:
            app.selectbox(key=feature.name).set_value(value)


def press_predecir(app):
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


# --- Predicción ---


def test_the_form_is_generated_from_the_spec_and_shows_whole_numbers_whole(app_model, run_page, dataset):
    app = run_page()
    assert "Predicción para un paciente" in app.title[0].value
    typical = heartnet.data.typical_patient(dataset)
    numeric = [f for f in heartnet.FEATURES if f.kind == "numeric"]
    assert len(app.text_input) == len(numeric)
    for feature in numeric:
        box = app.text_input(key=feature.name)
        assert feature.unit in box.label
        assert heartnet.spanish.number_text(feature, feature.max) in box.help  # the allowed range, in the help
    assert app.text_input(key="Age").value == f"{typical['Age']:.0f}"  # 54, not 54.00
    assert app.text_input(key="Oldpeak").value == f"{typical['Oldpeak']:g}".replace(".", ",")
    for feature in heartnet.FEATURES:
        if feature.kind != "numeric":
            assert app.selectbox(key=feature.name).options == [f"{v} — {m}" for v, m in feature.categories]
    # Streamlit's English "Press Enter to apply" under the text boxes is hidden.
    assert any("InputInstructions" in element.value for element in app.markdown)


def test_submitting_a_patient_shows_the_probability_of_predict_one(app_model, run_page, patient, model):
    app = run_page()
    fill_form(app, patient)
    press_predecir(app)
    assert app.metric[0].value == percent(heartnet.predict_one(patient, model))
    assert any("umbral" in element.value for element in [*app.error, *app.success])
    assert "¿Por qué esa probabilidad?" in [header.value for header in app.subheader]


@pytest.mark.parametrize("typed", ["0,8", "0.8"])
def test_a_decimal_comma_or_point_is_the_same_number(app_model, run_page, patient, model, typed):
    app = run_page()
    fill_form(app, {**patient, "Oldpeak": typed})
    press_predecir(app)
    assert app.metric[0].value == percent(heartnet.predict_one({**patient, "Oldpeak": 0.8}, model))


def test_every_problem_is_shown_in_spanish_and_the_previous_result_goes(app_model, run_page, patient):
    app = run_page()
    fill_form(app, patient)
    press_predecir(app)
    assert len(app.metric) == 1  # a result is on screen
    fill_form(app, {**patient, "MaxHR": "300", "Oldpeak": "mucho", "Age": "1,5,2"})
    press_predecir(app)
    assert len(app.metric) == 0  # the previous patient's probability is gone
    shown = app.error[0].value
    assert "No se puede predecir todavía" in shown
    assert "«Depresión del ST (Oldpeak)» (Oldpeak): «mucho» no es un número" in shown
    assert "«Edad» (Age): «1,5,2» no es un número" in shown
    assert (
        "«Frecuencia cardíaca máxima» (MaxHR): el valor 300 no es válido; se espera un número entre 50 y 230" in shown
    )
    assert not any(word in shown for word in ("expected", "got", "field", "Press Enter"))


def test_cholesterol_not_measured_disables_its_box_and_predicts_without_it(app_model, run_page, patient, model):
    app = run_page()
    fill_form(app, {**patient, "Cholesterol": "9999"})  # out of range, but about to be ignored
    assert not app.text_input(key="Cholesterol").disabled
    app.checkbox(key="Cholesterol_no_medido").check().run()
    assert app.text_input(key="Cholesterol").disabled
    press_predecir(app)
    assert app.metric[0].value == percent(heartnet.predict_one({**patient, "Cholesterol": None}, model))
    assert any("no medido" in info.value for info in app.info)


# --- Lote ---


def _csv(rows: list[dict], sep: str = ",", decimal: str = ".", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False, sep=sep, decimal=decimal)
    return buffer.getvalue().encode(encoding)


@pytest.fixture
def upload(run_page):
    """Upload a file on the «Lote» page; return the app after the run."""

    def send(content: bytes, name: str = "pacientes.csv"):
        app = run_page("lote.py")
        app.file_uploader[0].upload(name, content, "text/csv").run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return send


def test_a_batch_answers_first_then_lists_rows_and_every_reason(app_model, upload, patient, model):
    rows = [
        {"ID": "a", **patient},
        {"ID": "b", **patient, "Sex": "X", "MaxHR": 900},  # two problems in one row
        {"ID": "c", **patient, "Cholesterol": None, "Oldpeak": 0.5},
    ]
    app = upload(_csv(rows))
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Filas puntuadas"] == "2 de 3" and metrics["Filas rechazadas"] == "1"
    result, rejects = app.dataframe[0].value, app.dataframe[1].value
    assert list(result.columns[:3]) == ["línea", "probabilidad", "prediccion"]
    assert list(result["línea"]) == [2, 4] and list(result["ID"]) == ["a", "c"]
    expected = heartnet.predict([{k: v for k, v in r.items() if k != "ID"} for r in (rows[0], rows[2])], model)
    assert list(result["probabilidad"]) == pytest.approx(expected, abs=1e-6)
    assert list(rejects["línea"]) == [3]
    reason = rejects["motivos"][0]
    assert "«Sexo» (Sex): el valor «X» no es válido" in reason and "«Frecuencia cardíaca máxima»" in reason
    threshold = heartnet.load(app_model).threshold
    assert metrics[f"Sobre el umbral ({percent(threshold, 0)})"] == str(int((expected >= threshold).sum()))
    assert "UTF-8" in app.caption[0].value


def test_a_windows_1252_file_with_semicolons_scores_like_the_utf8_one(app_model, upload, dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(20).to_dict("records")
    named = [
        {"Paciente": name, **row} for name, row in zip(["Begoña", "Müller", "Ñandú", "José"] * 5, rows, strict=True)
    ]
    utf8 = upload(_csv(named)).dataframe[0].value
    windows = upload(_csv(named, sep=";", decimal=",", encoding="cp1252"))
    assert "Windows-1252" in windows.caption[0].value and "«;»" in windows.caption[0].value
    pd.testing.assert_series_equal(utf8["probabilidad"], windows.dataframe[0].value["probabilidad"])
    assert list(windows.dataframe[0].value["Paciente"][:4]) == ["Begoña", "Müller", "Ñandú", "José"]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "está vacío. Subí un CSV con una fila de encabezado"),
        (b"Edad,Sexo\n40,M\n", "le faltan columnas: Age, Sex, ChestPainType"),
        (b"PK\x03\x04\x00\x00 an xlsx", "no es un archivo de texto (¿una planilla de Excel?)"),
        (",".join(heartnet.FEATURE_NAMES).encode() + b"\n", "tiene el encabezado pero ninguna fila de pacientes"),
    ],
    ids=["empty", "wrong header", "spreadsheet", "header only"],
)
def test_an_unusable_file_gets_one_spanish_sentence_that_says_what_to_do(app_model, upload, content, expected):
    app = upload(content)
    assert expected in app.error[0].value
    assert not any(word in app.error[0].value for word in ("expected", "found", "missing", "the file"))


def test_a_wrong_header_lists_the_columns_expected_and_found(app_model, upload):
    message = upload(b"Edad,Sexo\n40,M\n").error[0].value
    assert "Se esperan " + ", ".join(heartnet.FEATURE_NAMES) in message and "se encontraron: Edad, Sexo" in message


def test_downloads_keep_the_separator_decimal_mark_integers_and_empty_cells(model, patient):
    trained = heartnet.TrainedModel(model, {"threshold": 0.5})
    text = (
        "ID;"
        + ";".join(patient)
        + "\n"
        + "Begoña;"
        + ";".join("" if name == "Cholesterol" else str(value).replace(".", ",") for name, value in patient.items())
        + "\np2;"
        + ";".join("x" if name == "Sex" else str(value).replace(".", ",") for name, value in patient.items())
    )
    patients = read_patients(text.encode("cp1252"), name="upload.csv")
    assert patients.encoding == "cp1252"  # not UTF-8: written back the same way
    batch = score_upload(patients, trained)
    result = write_like(batch.result, patients).decode("cp1252").splitlines()
    assert result[0] == "línea;probabilidad;prediccion;ID;" + ";".join(patient)
    cells = result[1].split(";")
    assert cells[0] == "2" and "," in cells[1] and cells[2] in ("0", "1")  # decimal comma, integers as integers
    assert cells[3:] == text.splitlines()[1].split(
        ";"
    )  # every input cell exactly as it came: 54, not 54,0; "" stays ""
    rejected = list(csv.reader(io.StringIO(write_like(batch.rejects, patients).decode("cp1252")), delimiter=";"))
    assert rejected[1][:3] == ["3", heartnet.spanish.validation_message(_sex_error("x")), "p2"]


def _sex_error(value: str) -> heartnet.ValidationError:
    with pytest.raises(heartnet.ValidationError) as caught:
        heartnet.validation.check_value(heartnet.features.FEATURES_BY_NAME["Sex"], value)
    return caught.value


def test_the_template_writes_whole_numbers_and_an_empty_cholesterol(dataset):
    lines = template_csv(dataset).decode().splitlines()
    assert lines[0] == ",".join(heartnet.FEATURE_NAMES)
    first = dict(zip(heartnet.FEATURE_NAMES, lines[1].split(","), strict=True))
    assert first["Cholesterol"] == "" and "." not in first["Age"]


# --- Datos y Modelo ---


def test_the_data_page_shows_the_whole_dictionary_and_spanish_labels(app_model, run_page):
    app = run_page("datos.py")
    assert "Los datos" in app.title[0].value
    table = app.table[0].value
    assert list(table.index) == list(heartnet.FEATURE_NAMES) and "o «no medido»" in table.loc["Cholesterol"].iloc[-1]


@pytest.mark.slow
def test_the_model_page_shows_the_global_shapley_view_and_spanish_diagrams(app_model, run_page):
    app = run_page("modelo.py")
    assert "El modelo" in app.title[0].value
    headers = [header.value for header in app.subheader]
    assert "Qué variables pesan" in headers and "Comparación con otros modelos" in headers
    assert any("CatBoost" in element.value for element in app.markdown)


def test_a_missing_model_shows_the_command_that_creates_it(tmp_path, monkeypatch, new_app):
    monkeypatch.setenv("HEARTNET_MODEL", str(tmp_path / "none.keras"))
    st.cache_resource.clear()
    app = new_app().run()
    st.cache_resource.clear()  # the next test loads its own model again
    assert not app.exception
    assert "make train" in app.error[0].value and "Traceback" not in app.error[0].value
    assert str(tmp_path) not in app.error[0].value  # no absolute path shown


def test_streamlit_run_from_the_root_looks_like_make_app():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["toolbarMode"] == "viewer" and config["server"]["address"] == "127.0.0.1"
    assert config["browser"]["gatherUsageStats"] is False and "theme" in config


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"Sex": "X"}, "«Sexo» (Sex): el valor «X» no es válido; se espera uno de: M (Masculino), F (Femenino)"),
        (
            {"MaxHR": 900},
            "«Frecuencia cardíaca máxima» (MaxHR): el valor 900 no es válido; se espera un número entre 50",
        ),
        ({"ChestPainType": "asy"}, "¿Quisiste decir «ASY»?"),
        ({"Age": None}, "Falta el valor de «Edad» (Age)"),
    ],
)
def test_errors_are_phrased_in_spanish_from_the_structured_fields(patient, row, expected):
    with pytest.raises(heartnet.ValidationError) as caught:
        heartnet.validate_row({**patient, **row})
    assert expected in validation_message(caught.value)
