"""The Streamlit app, driven with streamlit.testing.v1.AppTest (same process, no browser), as a user would.

Every test that runs a page costs seconds (Streamlit re-runs the script, the model explains): those are
marked slow, so the quick loop keeps the page-free tests of the batch logic and the Spanish wording.
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
import streamlit as st
from PIL import Image

import heartnet
from heartnet import plots
from heartnet.app.uploads import score_upload, template_csv, write_like
from heartnet.csvio import read_patients
from heartnet.spanish import percent


def fill_form(app, patient: dict) -> None:
    """Type a patient into the prediction form, widget by widget, as a person would (numbers as text)."""
    for feature in heartnet.FEATURES:
        value = patient[feature.name]
        if feature.kind == "numeric":
            app.text_input(key=feature.name).input(value if isinstance(value, str) else f"{value:g}")
        else:
            app.selectbox(key=feature.name).set_value(value)


def record_calls(monkeypatch, module, name: str) -> list:
    """Keep ``module.name`` working, and note each call's ``(args, kwargs, result)`` (the pages call it by name)."""
    calls, original = [], getattr(module, name)

    def recording(*args, **kwargs):
        calls.append((args, kwargs, original(*args, **kwargs)))
        return calls[-1][2]

    monkeypatch.setattr(module, name, recording)
    return calls


def press_predecir(app):
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    return app


# --- Predicción ---


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_submitting_a_patient_shows_the_probability_of_predict_one(app_model, run_page, patient, model):
    app = run_page()
    fill_form(app, patient)
    press_predecir(app)
    assert app.metric[0].value == percent(heartnet.predict_one(patient, model))
    assert any("umbral" in element.value for element in [*app.error, *app.success])
    assert "¿Por qué esa probabilidad?" in [header.value for header in app.subheader]
    expected = percent(heartnet.predict_one({**patient, "Oldpeak": 0.8}, model))
    assert expected != app.metric[0].value  # the check below can tell 0.8 from the patient's 1.5
    for typed in ("0,8", "0.8"):  # a decimal comma or point: the same number
        fill_form(app, {**patient, "Oldpeak": typed})
        press_predecir(app)
        assert app.metric[0].value == expected, typed


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_valid_value_the_model_never_saw_gets_a_spanish_notice_beside_the_result(app_model, run_page, patient):
    low = heartnet.load(app_model).observed_ranges["Age"][0]
    app = run_page()
    fill_form(app, {**patient, "Age": str(int(low) - 5)})
    press_predecir(app)
    # predicted, not refused: the one red box is the class above the threshold, not a problem with the form
    assert len(app.metric) == 1 and all("umbral" in element.value for element in app.error)
    notices = [element.value for element in app.warning]
    assert len(notices) == 1 and f"«Edad» (Age) vale {int(low) - 5} años" in notices[0]
    assert f"entre {low:.0f} y" in notices[0] and "extrapola" in notices[0]
    fill_form(app, patient)
    press_predecir(app)
    assert not app.warning  # a patient like the training ones: no notice


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_every_problem_and_empty_box_is_shown_in_spanish_and_the_previous_result_goes(app_model, run_page, patient):
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
    fill_form(app, {**patient, "Age": "", "Cholesterol": "  "})  # empty boxes: missing, not "not a number"
    press_predecir(app)
    shown = app.error[0].value
    assert "Falta el valor de «Edad» (Age)" in shown
    assert "Falta el valor de «Colesterol sérico» (Cholesterol): escribí un número entre" in shown
    assert "tildá «no medido»" in shown and "no es un número" not in shown
    assert len(app.metric) == 0


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_cholesterol_not_measured_disables_its_box_and_predicts_without_it(app_model, run_page, patient, model):
    app = run_page()
    fill_form(app, {**patient, "Cholesterol": "9999"})  # out of range, but about to be ignored
    assert not app.text_input(key="Cholesterol").disabled
    app.checkbox(key="Cholesterol_no_medido").check().run()
    box = app.text_input(key="Cholesterol")
    assert box.disabled and box.value == "" and box.placeholder == "no medido"  # no stale 9999 on screen
    press_predecir(app)
    assert app.metric[0].value == percent(heartnet.predict_one({**patient, "Cholesterol": None}, model))
    cholesterol = heartnet.features.FEATURES_BY_NAME["Cholesterol"]
    missing = json.loads(app_model.with_suffix(".json").read_text(encoding="utf-8"))["hyperparameters"].get(
        "missing", "indicator"
    )
    # Not a risk factor: the note says what «no medido» means in this data and how this model takes it.
    assert heartnet.spanish.not_measured_note(cholesterol, missing) in [info.value for info in app.info]
    app.checkbox(key="Cholesterol_no_medido").uncheck().run()
    assert app.text_input(key="Cholesterol").value == "9999" and not app.text_input(key="Cholesterol").disabled


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_the_form_comes_from_the_spec_and_its_default_patient_gets_an_informative_explanation(
    app_model, run_page, monkeypatch, dataset, model
):
    drawn = record_calls(monkeypatch, plots, "shapley_waterfall")
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
    # Each category shows its code and its meaning, the code once where both are the same word.
    assert app.selectbox(key="ChestPainType").options[-1] == "ASY — Sin dolor (asintomático)"
    assert app.selectbox(key="RestingECG").options[0] == "Normal"
    assert app.selectbox(key="FastingBS").options == ["0 — No (≤ 120 mg/dl)", "1 — Sí (> 120 mg/dl)"]
    # Streamlit's English "Press Enter to apply" under the text boxes is hidden.
    assert any("InputInstructions" in element.value for element in app.markdown)

    press_predecir(app)  # the form as it opens: the typical patient
    assert app.metric[0].value == percent(heartnet.predict_one(typical, model))
    [((table,), _, figure)] = drawn
    assert len(app.image) == 2  # the gauge and the waterfall, on the page
    assert table.attrs["probability"] == pytest.approx(heartnet.predict_one(typical, model), abs=1e-6)
    ax = figure.axes[0]
    widths = np.abs([bar.get_width() for bar in ax.patches])
    assert len(widths) == 11  # one bar per feature
    np.testing.assert_allclose(sorted(widths), sorted(table["contribution"].abs() * 100), atol=1e-9)
    low, high = ax.get_xlim()
    assert widths.max() >= 0.1 * (high - low)  # the largest push fills a good part of the axis: not an empty chart
    assert widths.max() >= np.median(widths) * 2  # and it stands out: the chart says which data matter most
    assert any(text.get_text() not in ("+0,0 pp", "-0,0 pp") for text in ax.texts)


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_model_saved_without_background_rows_is_explained_with_the_same_ones(
    app_model_with, run_page, patient, trained_path
):
    from heartnet.explain import contributions

    app_model_with(background=None)  # as a model saved other than by `heartnet train` would be
    app = run_page()
    fill_form(app, patient)
    press_predecir(app)
    assert "¿Por qué esa probabilidad?" in [header.value for header in app.subheader]
    assert len(app.image) == 2 and not app.info  # the waterfall, and no message
    expected = contributions(heartnet.load(trained_path), patient).attrs["base"]
    assert any(percent(expected) in element.value for element in app.markdown)  # the same base rate


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_model_that_cannot_be_explained_says_so_in_spanish_and_still_predicts(
    app_model_with, run_page, patient, model
):
    app_model_with(background=None, split=None)  # no training record to draw its background rows from
    app = run_page()
    fill_form(app, patient)
    press_predecir(app)
    assert app.metric[0].value == percent(heartnet.predict_one(patient, model))
    [message] = [info.value for info in app.info]
    assert "No se puede calcular la explicación de Shapley" in message and "make train" in message
    assert not any(word in message for word in ("background", "metadata", "Error", "Traceback"))
    assert len(app.image) == 1  # the gauge; no waterfall


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_the_class_and_the_batch_follow_the_models_own_threshold(app_model_with, run_page, upload, dataset, model):
    app_model_with(threshold=0.9)
    rows = dataset[list(heartnet.FEATURE_NAMES)].dropna().head(60)
    probabilities = heartnet.predict(rows, model)
    between = rows[(probabilities >= 0.5) & (probabilities < 0.9)]
    assert len(between), "the check needs a patient positive at 0.5 and negative at 0.9"
    app = run_page()
    fill_form(app, between.iloc[0].to_dict())
    press_predecir(app)
    assert "Por debajo del umbral de 90 %" in app.success[0].value
    batch = upload(_csv(rows.to_dict("records")))
    metrics = {metric.label: metric.value for metric in batch.metric}
    assert metrics["Sobre el umbral (90 %)"] == str(int((probabilities >= 0.9).sum()))
    assert (probabilities >= 0.9).sum() < (probabilities >= 0.5).sum()


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_retrained_model_is_served_without_restarting_the_app(app_model_with, model_copy, run_page, patient):
    app_model_with(threshold=0.9)
    app = run_page()
    press_predecir(app)
    assert "umbral de 90 %" in (app.success or app.error)[0].value
    model_copy(threshold=0.3)  # the same path written again, as `make train` would: no cache cleared by hand
    app = run_page()
    press_predecir(app)
    assert "umbral de 30 %" in (app.success or app.error)[0].value


# --- Lote ---


def _captions(app) -> str:
    """Every caption on the page, in one text: which one says what is not the test's business."""
    return "\n".join(caption.value for caption in app.caption)


def _csv(rows: list[dict], sep: str = ",", decimal: str = ".", encoding: str = "utf-8") -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False, sep=sep, decimal=decimal)
    return buffer.getvalue().encode(encoding)


def _uploader(run_page, page: str, default_name: str):
    """``send(content, name)``: upload a file on ``page``; return the app after the run."""

    def send(content: bytes, name: str = default_name):
        app = run_page(page)
        app.file_uploader[0].upload(name, content, "text/csv").run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return send


@pytest.fixture
def upload(run_page):
    """Upload a file on the «Lote» page."""
    return _uploader(run_page, "lote.py", "pacientes.csv")


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_batch_answers_first_then_lists_rows_and_every_reason(app_model, upload, patient, model, monkeypatch):
    histograms = record_calls(monkeypatch, plots, "probability_histogram")
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
    assert "UTF-8" in _captions(app)
    assert result["Cholesterol"].iloc[1] == "" and not result.isna().any().any()  # empty, not None
    [((drawn,), options, _)] = histograms  # the histogram of the scored rows, on the page
    np.testing.assert_allclose(drawn, expected, atol=1e-6)
    assert options == {"threshold": threshold} and len(app.image) == 1
    labels = [button.label for button in app.download_button]
    assert labels == ["Descargar plantilla CSV", "Descargar CSV con predicciones", "Descargar filas rechazadas"]


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_batch_names_the_unseen_fields_of_each_row_and_says_it_once(app_model, upload, patient):
    low = heartnet.load(app_model).observed_ranges["Age"][0]
    rows = [{"ID": "a", **patient}, {"ID": "b", **patient, "Age": low - 3}, {"ID": "c", **patient, "Age": low - 6}]
    app = upload(_csv(rows))
    result = app.dataframe[0].value
    assert list(result["fuera_de_rango"]) == ["", "Age", "Age"]
    notices = [element.value for element in app.warning]
    assert len(notices) == 1 and "2 filas" in notices[0] and "«Edad» (Age)" in notices[0]


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_windows_1252_file_with_semicolons_scores_like_the_utf8_one(app_model, upload, dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(20).to_dict("records")
    named = [
        {"Paciente": name, **row} for name, row in zip(["Begoña", "Müller", "Ñandú", "José"] * 5, rows, strict=True)
    ]
    utf8 = upload(_csv(named)).dataframe[0].value
    windows = upload(_csv(named, sep=";", decimal=",", encoding="cp1252"))
    assert "Windows-1252" in _captions(windows) and "«;»" in _captions(windows)
    pd.testing.assert_series_equal(utf8["probabilidad"], windows.dataframe[0].value["probabilidad"])
    assert list(windows.dataframe[0].value["Paciente"][:4]) == ["Begoña", "Müller", "Ñandú", "José"]


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_windows_1252_download_with_a_character_it_lacks_is_utf8_and_says_so(app_model, upload, media, patient):
    rows = [{"Paciente": "Begoña", **patient}, {"Paciente": "Müller", **patient, "FastingBS": 2}]
    app = upload(_csv(rows, sep=";", decimal=",", encoding="cp1252"))
    buttons = {button.label: button for button in app.download_button}
    rejected = media(buttons["Descargar filas rechazadas"].proto.url)
    assert rejected.startswith(b"\xef\xbb\xbf")  # UTF-8 with the byte-order mark Excel recognizes
    text = rejected.decode("utf-8-sig")
    assert "≤ 120 mg/dl" in text and "Müller" in text  # every character as it is: nothing replaced
    scored = media(buttons["Descargar CSV con predicciones"].proto.url)
    assert "Begoña" in scored.decode("cp1252") and not scored.startswith(b"\xef\xbb\xbf")  # this one fits
    [message] = [info.value for info in app.info]
    assert "UTF-8" in message and "Windows-1252" in message and "«≤»" in message


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_a_row_with_too_many_or_too_few_fields_is_rejected_with_its_line(app_model, upload, patient, model):
    header = ",".join(["ID", *patient])
    good = ",".join(str(value) for value in patient.values())
    lines = [header, f"a,{good}", f"b,{good},sobra", f"c,{good}", "d,54,M"]
    app = upload("\n".join(lines).encode())
    result, rejects = app.dataframe[0].value, app.dataframe[1].value
    assert list(result["línea"]) == [2, 4] and list(result["ID"]) == ["a", "c"]
    assert list(rejects["línea"]) == [3, 5]
    assert list(rejects["motivos"]) == [
        "La fila tiene 13 celdas y el encabezado 12 columnas: revisá que no sobre ni falte un separador (una coma "
        "o un punto y coma de más, o un texto con separadores sin comillas)",
        "La fila tiene 3 celdas y el encabezado 12 columnas: revisá que no sobre ni falte un separador (una coma "
        "o un punto y coma de más, o un texto con separadores sin comillas)",
    ]
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Filas puntuadas"] == "2 de 4" and metrics["Filas rechazadas"] == "2"


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_the_caption_says_the_decimal_mark_a_semicolon_file_uses(app_model, upload, patient):
    cells = {**patient, "Oldpeak": "1.5"}  # a point, in a ";" file
    app = upload((";".join(patient) + "\n" + ";".join(str(value) for value in cells.values())).encode())
    assert "separado por «;» y con «.» como marca decimal" in _captions(app)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "está vacío. Subí un CSV con una fila de encabezado"),
        (
            b"Edad,Sexo\n40,M\n",
            (
                "le faltan columnas: Age, Sex, ChestPainType",
                "Se esperan " + ", ".join(heartnet.FEATURE_NAMES),  # the columns expected and those found
                "se encontraron: Edad, Sexo",
            ),
        ),
        (b"PK\x03\x04\x00\x00 an xlsx", "no es un archivo de texto (¿una planilla de Excel?)"),
        (",".join(heartnet.FEATURE_NAMES).encode() + b"\n", "tiene el encabezado pero ninguna fila de pacientes"),
    ],
    ids=["empty", "wrong header", "spreadsheet", "header only"],
)
@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_an_unusable_file_gets_one_spanish_sentence_that_says_what_to_do(app_model, upload, content, expected):
    app = upload(content)
    for part in (expected,) if isinstance(expected, str) else expected:
        assert part in app.error[0].value
    assert not any(word in app.error[0].value for word in ("expected", "found", "missing", "the file"))


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
    result = write_like(batch.result, patients).data.decode("cp1252").splitlines()
    assert result[0] == "línea;probabilidad;prediccion;fuera_de_rango;ID;" + ";".join(patient)
    cells = result[1].split(";")
    assert cells[0] == "2" and "," in cells[1] and cells[2] in ("0", "1")  # decimal comma, integers as integers
    assert cells[3] == "" and cells[4:] == text.splitlines()[1].split(
        ";"
    )  # every input cell exactly as it came: 54, not 54,0; "" stays ""
    rejected = write_like(batch.rejects, patients)
    assert rejected.encoding == "cp1252"  # the reason "Sex: x" fits in Windows-1252: no fallback
    rejected = list(csv.reader(io.StringIO(rejected.data.decode("cp1252")), delimiter=";"))
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


def test_the_labelled_template_is_read_back_by_the_validation_page_reader(dataset):
    from heartnet.local_check import read_labelled

    template = template_csv(dataset, labelled=True)
    assert template.decode().splitlines()[0] == ",".join([*heartnet.FEATURE_NAMES, heartnet.TARGET])
    local = read_labelled(template, name="plantilla.csv")
    assert len(local.frame) == 3 and not local.left_out
    assert local.frame[heartnet.TARGET].tolist() == dataset[heartnet.TARGET].head(3).tolist()


# --- Datos y Modelo ---


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_the_data_page_shows_the_whole_dictionary_and_spanish_labels(app_model, run_page):
    app = run_page("datos.py")
    assert "Los datos" in app.title[0].value
    table = app.table[0].value
    assert list(table.index) == list(heartnet.FEATURE_NAMES) and "o «no medido»" in table.loc["Cholesterol"].iloc[-1]


@pytest.mark.slow
def test_the_model_page_shows_the_global_shapley_view_and_spanish_diagrams(app_model, run_page, media, monkeypatch):
    from heartnet.plots import diagrams

    st.cache_data.clear()  # draw and explain in this run, so that what is drawn can be looked at
    calls = {
        name: record_calls(monkeypatch, module, name)
        for module, name in [
            (diagrams, "model_svg"),
            (diagrams, "mlp_svg"),
            (plots, "shapley_importance"),
            (plots, "shapley_summary"),
            (plots, "confusion_matrix"),
            (plots, "decision_curve"),
            (plots, "recalibration_by_sample_size"),
        ]
    }
    app = run_page("modelo.py")
    assert "El modelo" in app.title[0].value
    headers = [header.value for header in app.subheader]
    assert "Qué variables pesan" in headers and "Comparación con otros modelos" in headers
    assert any("CatBoost" in element.value for element in app.markdown)
    # The main evaluation first: the leave-one-hospital-out table, its hospitals in Spanish.
    assert headers.index("En un hospital que no vio") < headers.index("Comparación con otros modelos")
    assert any("hospital dejado afuera" in element.value and "Hungría" in element.value for element in app.markdown)
    [(_, decision_kwargs, _)] = calls["decision_curve"]  # on the model's own test split, at its own threshold
    assert decision_kwargs["threshold"] == heartnet.load(app_model).threshold
    [((recalibration,), _, panels)] = calls["recalibration_by_sample_size"]
    assert set(recalibration) == {name for name, _ in heartnet.features.HOSPITALS}
    assert len([ax for ax in panels.axes if ax.get_visible()]) == len(recalibration)  # a panel per hospital

    # The diagrams, in Spanish, and drawn as tall as wide so that their text stays legible once fitted to the page.
    [(_, _, whole)], [(_, _, member)] = calls["model_svg"], calls["mlp_svg"]
    # each number's encoding named in Spanish, whichever the shipped model uses
    assert "Edad" in whole and ("normalización" in whole or "codificación lineal" in whole)
    assert "InputLayer" not in whole and "Normalization" not in whole
    assert "Capa densa" in member and "Units" not in member
    images = {caption: url for image in app.image for caption, url in zip(image.captions, image.value, strict=True)}
    diagram_urls = [url for caption, url in images.items() if "plot_model" in caption or "keras-visualizer" in caption]
    assert len(diagram_urls) == 2
    for url in diagram_urls:
        width, height = Image.open(io.BytesIO(media(url))).size
        assert width <= 1.2 * height, (width, height)

    # The global Shapley view: one bar per feature, one dot per explained patient and feature, Spanish titles.
    [(_, _, importance)], [((explanation,), _, summary)] = calls["shapley_importance"], calls["shapley_summary"]
    assert len(importance.axes[0].patches) == 11 and "Importancia" in importance.axes[0].get_title()
    rows = explanation.values.shape[0]
    assert any(f"Valores de Shapley de {rows} pacientes de prueba" in element.value for element in app.markdown)
    dots = sum(len(collection.get_offsets()) for collection in summary.axes[0].collections)
    assert dots == 11 * rows and "paciente por paciente" in summary.axes[0].get_title()
    assert "Matriz de confusión" in calls["confusion_matrix"][0][2].axes[0].get_title()
    # the diagrams, the Shapley view, confusion + calibration + ROC/PR + decision curve, recalibration by k
    assert len(app.image) == 2 + 2 + 4 + 1
    assert not app.info  # the model's background rows were found


def test_a_missing_model_shows_the_command_that_creates_it(tmp_path, monkeypatch, new_app):
    monkeypatch.setenv("HEARTNET_MODEL", str(tmp_path / "none.keras"))
    st.cache_resource.clear()
    app = new_app().run()
    st.cache_resource.clear()  # the next test loads its own model again
    assert not app.exception
    assert "make train" in app.error[0].value and "Traceback" not in app.error[0].value
    assert str(tmp_path) not in app.error[0].value  # no absolute path shown


def test_a_batch_with_a_hospital_column_scores_as_without_it(model, patient):
    from heartnet.features import HOSPITAL

    trained = heartnet.TrainedModel(model, {"threshold": 0.5})
    header, row = ",".join(patient), ",".join(str(value) for value in patient.values())
    plain = score_upload(read_patients(f"{header}\n{row}\n".encode(), name="a.csv"), trained)
    tagged = read_patients(f"{HOSPITAL},{header}\nCleveland,{row}\n".encode(), name="b.csv")
    batch = score_upload(tagged, trained)
    assert batch.rejects.empty
    assert batch.result.iloc[0, :2].tolist() == plain.result.iloc[0, :2].tolist()  # line and probability
    assert batch.result[HOSPITAL].tolist() == ["Cleveland"]


# --- Validar en mi hospital ---


def _labelled_csv(rows: pd.DataFrame) -> bytes:
    """A hospital's labelled file: cholesterol 0 where not measured, no Hospital column."""
    rows = rows.drop(columns=heartnet.features.HOSPITAL, errors="ignore")
    return rows.assign(Cholesterol=rows["Cholesterol"].fillna(0)).to_csv(index=False).encode("utf-8")


@pytest.fixture(scope="module")
def swiss():
    data = heartnet.load_dataset(with_hospital=True)
    return data[data[heartnet.features.HOSPITAL] == "Switzerland"]


@pytest.fixture
def validate(run_page):
    """Upload a labelled file on the «Validar en mi hospital» page."""
    return _uploader(run_page, "validar.py", "mis_pacientes.csv")


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_validating_on_the_models_own_training_rows_warns_and_says_how_many_patients_are_needed(
    app_model, validate, dataset
):
    record = json.loads(app_model.with_suffix(".json").read_text(encoding="utf-8"))
    rows = dataset.drop(index=record["split"]["test_rows"]).head(120)
    app = validate(_labelled_csv(rows))
    warnings_shown = [element.value for element in app.warning]
    assert any("120 de tus 120 filas son filas con las que se entrenó este modelo" in text for text in warnings_shown)
    assert any("pmvalsampsize" in element.value and "pacientes" in element.value for element in app.info)


@pytest.mark.slow  # runs the app (AppTest): seconds per test
def test_validating_shows_the_local_metrics_and_both_figures(app_model, validate, swiss, model, monkeypatch):
    from heartnet.evaluate import classification_metrics

    calls = {name: record_calls(monkeypatch, plots, name) for name in ("calibration", "decision_curve")}
    rows = swiss.head(80).copy()
    rows.iloc[4, 0] = 500  # line 6: an impossible age, left out and listed
    app = validate(_labelled_csv(rows))
    good = rows.drop(index=rows.index[4]).drop(columns=heartnet.features.HOSPITAL)
    trained = heartnet.load(app_model)
    expected = classification_metrics(
        good[heartnet.TARGET], heartnet.predict(good, trained), threshold=trained.threshold
    )
    metrics = {metric.label: metric.value for metric in app.metric}
    assert metrics["Brier (menor es mejor)"] == heartnet.spanish.decimal(expected["brier"], 3)
    assert metrics["Valor predictivo negativo"] == (
        "—" if expected["npv"] is None else heartnet.spanish.decimal(expected["npv"], 2)
    )
    deltas = {metric.label: metric.proto.delta for metric in app.metric}  # each interval, as the CLI gives it
    low, high = (heartnet.spanish.decimal(expected[f"roc_auc_{end}"], 3) for end in ("low", "high"))
    assert deltas["ROC AUC"] == f"IC 95 %: {low} a {high}"
    assert any(f"{expected['n']} pacientes válidos" in element.value for element in app.markdown)
    [((y, _), _, _)] = calls["calibration"]
    assert len(y) == 79
    [(_, kwargs, figure)] = calls["decision_curve"]
    assert kwargs["threshold"] == trained.threshold and "beneficio neto" in figure.axes[0].get_ylabel()
    [left_out] = [frame.value for frame in app.dataframe]
    assert left_out["línea"].tolist() == [6] and "Edad" in left_out["motivo"][0]


@pytest.mark.slow
def test_recalibrating_downloads_a_model_that_gives_the_updated_probabilities(
    app_model, validate, swiss, media, tmp_path
):
    import zipfile

    from heartnet.local_check import patients_to_recalibrate
    from heartnet.updating import fit_update

    app = validate(_labelled_csv(swiss))
    # said before the button: the Swiss patients are too few (and most were training rows: warned apart)
    [few] = [element.value for element in app.warning if "Pocos pacientes" in element.value]
    assert few.startswith(f"**Pocos pacientes para recalibrar.** Tenés {len(swiss)}; ") and "otros** pacientes" in few
    frame = swiss.drop(columns=heartnet.features.HOSPITAL)
    needed = patients_to_recalibrate(frame[heartnet.TARGET], heartnet.predict(frame, heartnet.load(app_model)))
    assert f"hacen falta unos {needed['recalibration']} " in few and needed["recalibration"] > len(swiss)
    # the methods as spanish.py words them (the one table), and the decision from the update's own fields
    assert app.radio[0].options == [words.option for words in heartnet.spanish.RECALIBRATION_METHODS.values()]
    app.radio[0].set_value("intercept").run()
    app.button[0].click().run()
    assert not app.exception, [e.value for e in app.exception]
    [success] = [element.value for element in app.success]
    assert success.startswith(f"Se decidió la recalibración **del intercepto** con {len(swiss)} pacientes")
    [button] = [b for b in app.download_button if "recalibrado" in b.label]
    with zipfile.ZipFile(io.BytesIO(media(button.proto.url))) as bundle:
        assert sorted(bundle.namelist()) == ["heartnet_recalibrado.json", "heartnet_recalibrado.keras"]
        bundle.extractall(tmp_path)
    recalibrated = heartnet.load(tmp_path / "heartnet_recalibrado.keras")  # safe mode, sha256 checked
    base = heartnet.load(app_model)
    frame = swiss.drop(columns=heartnet.features.HOSPITAL)
    update = fit_update(frame[heartnet.TARGET], heartnet.predict(frame, base), "intercept")
    np.testing.assert_allclose(
        heartnet.predict(frame, recalibrated), update.apply(heartnet.predict(frame, base)), atol=1e-5
    )
    assert recalibrated.metadata["recalibration"]["method"] == "intercept"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda rows: rows.drop(columns=heartnet.TARGET), "HeartDisease"),
        (lambda rows: rows.assign(HeartDisease=[2] + [1] * (len(rows) - 1)), "La línea 2 tiene «2»"),
    ],
    ids=["no labels", "a label that is not 0/1"],
)
def test_a_file_that_cannot_be_validated_on_is_refused_in_spanish(app_model, validate, swiss, change, words):
    app = validate(_labelled_csv(change(swiss.head(30))))
    [error] = [element.value for element in app.error]
    assert words in error and not app.dataframe


@pytest.mark.slow
def test_too_few_patients_or_one_class_are_refused_in_spanish_when_recalibrating(app_model, validate, swiss):
    app = validate(_labelled_csv(swiss.head(10)))
    app.radio[0].set_value("intercept").run()
    app.button[0].click().run()
    [error] = [element.value for element in app.error]
    assert "necesita al menos 20 filas válidas y el archivo tiene 10" in error
    app = validate(_labelled_csv(swiss[swiss[heartnet.TARGET] == 1].head(40)))
    app.button[0].click().run()
    [error] = [element.value for element in app.error]
    assert "todas de pacientes con enfermedad" in error
    assert not [b for b in app.download_button if "recalibrado" in b.label]


@pytest.mark.slow
def test_the_model_page_of_a_model_without_a_recorded_split_says_so_in_spanish(app_model_with, run_page):
    app_model_with(split=None)  # as the public save_model saves it
    app = run_page("modelo.py")
    [warning] = [element.value for element in app.warning]
    assert "no registra su conjunto de prueba" in warning and "Validar en mi hospital" in warning
