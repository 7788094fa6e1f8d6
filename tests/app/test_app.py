"""The Streamlit app, driven with streamlit.testing.v1.AppTest (same process, no browser)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

import heartnet
from heartnet.app.shared import spanish


def fill_form(app: AppTest, patient: dict) -> None:
    """Type a patient into the prediction form, widget by widget, as a person would."""
    for feature in heartnet.FEATURES:
        if feature.kind == "numeric":
            app.number_input(key=feature.name).set_value(float(patient[feature.name]))
        else:
            app.selectbox(key=feature.name).set_value(patient[feature.name])


@pytest.mark.parametrize(
    ("page", "title"),
    [(None, "Predicción"), ("lote.py", "Predicción por lote"), ("datos.py", "Los datos"), ("modelo.py", "El modelo")],
)
def test_every_page_renders(app_model, run_page, page, title):
    app = run_page(page)
    assert title in app.title[0].value


def test_the_form_is_generated_from_the_spec(app_model, run_page):
    app = run_page()
    numeric = [f for f in heartnet.FEATURES if f.kind == "numeric"]
    assert len(app.number_input) == len(numeric)
    for feature in numeric:
        widget = app.number_input(key=feature.name)
        assert (widget.min, widget.max) == (feature.min, feature.max)
        assert feature.unit in widget.label
    for feature in heartnet.FEATURES:
        if feature.kind != "numeric":
            assert app.selectbox(key=feature.name).options == [f"{v} — {m}" for v, m in feature.categories]


def test_submitting_a_patient_shows_the_probability_of_predict_one(app_model, run_page, patient, model):
    app = run_page()
    fill_form(app, patient)
    app.button[0].click().run()
    assert not app.exception
    expected = heartnet.predict_one(patient, model)
    assert app.metric[0].value == f"{expected:.1%}"
    assert any("umbral" in element.value for element in [*app.error, *app.success])


def test_cholesterol_not_measured(app_model, run_page, patient, model):
    app = run_page()
    app.checkbox(key="Cholesterol_no_medido").check()
    fill_form(app, patient)
    app.button[0].click().run()
    expected = heartnet.predict_one({**patient, "Cholesterol": None}, model)
    assert app.metric[0].value == f"{expected:.1%}"
    assert any("no medido" in info.value for info in app.info)


def _csv(rows: list[dict], sep: str = ",", decimal: str = ".") -> bytes:
    buffer = io.StringIO()
    pd.DataFrame(rows).to_csv(buffer, index=False, sep=sep, decimal=decimal)
    return buffer.getvalue().encode()


@pytest.fixture
def upload(run_page):
    """Upload a file on the «Lote» page; return the app after the run."""

    def send(content: bytes) -> AppTest:
        app = run_page("lote.py")
        app.file_uploader[0].upload("pacientes.csv", content, "text/csv").run()
        assert not app.exception, [e.value for e in app.exception]
        return app

    return send


def test_an_upload_with_bad_rows_lists_them_and_scores_the_rest(app_model, upload, patient, model):
    rows = [
        {"ID": "a", **patient},
        {"ID": "b", **patient, "Sex": "X"},
        {"ID": "c", **patient, "MaxHR": 900},
        {"ID": "d", **patient, "Cholesterol": None, "Oldpeak": 0.5},
    ]
    app = upload(_csv(rows))
    excluded = app.dataframe[1].value
    assert list(excluded["línea"]) == [3, 4]
    assert "Sexo" in excluded["motivo"][0] and "se espera uno de: M (Masculino)" in excluded["motivo"][0]
    assert "entre 50 y 230 lpm" in excluded["motivo"][1]
    scored = app.dataframe[2].value
    assert list(scored["ID"]) == ["a", "d"]
    expected = heartnet.predict([{k: v for k, v in r.items() if k != "ID"} for r in (rows[0], rows[3])], model)
    assert list(scored["probabilidad"]) == pytest.approx(expected.round(4), abs=1e-4)


def test_semicolon_and_decimal_comma_score_the_same(app_model, upload, dataset):
    rows = dataset[list(heartnet.FEATURE_NAMES)].head(20)
    comma = upload(_csv(rows.to_dict("records"))).dataframe[-1].value
    # Written by hand as a Spanish spreadsheet exports it: ';' between cells, ',' before decimals.
    lines = [";".join(rows.columns)] + [
        ";".join("" if pd.isna(value) else str(value).replace(".", ",") for value in row)
        for row in rows.itertuples(False)
    ]
    spanish_csv = upload("\n".join(lines).encode()).dataframe[-1].value
    pd.testing.assert_series_equal(comma["probabilidad"], spanish_csv["probabilidad"])
    assert len(comma) == 20


def test_an_unusable_upload_gets_a_spanish_message(app_model, upload):
    app = upload(b"Edad,Sexo\n40,M\n")
    assert app.error[0].value == "Falta la columna «Edad» (Age)"


def test_a_missing_model_shows_the_command_that_creates_it(tmp_path, monkeypatch, new_app):
    monkeypatch.setenv("HEARTNET_MODEL", str(tmp_path / "none.keras"))
    st.cache_resource.clear()
    app = new_app().run()
    assert not app.exception
    assert "make train" in app.error[0].value and "Traceback" not in app.error[0].value
    assert str(tmp_path) not in app.error[0].value  # no absolute path shown


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"Sex": "X"}, "«Sexo» (Sex): el valor 'X' no es válido; se espera uno de: M (Masculino), F (Femenino)"),
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
    assert expected in spanish(caught.value)
