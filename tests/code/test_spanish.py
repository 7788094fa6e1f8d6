"""Spanish for people: numbers as Spanish speakers type them, and file errors worded from their fields."""

from __future__ import annotations

import numpy as np
import pytest

import heartnet
from heartnet.errors import FileProblem
from heartnet.features import FEATURES_BY_NAME
from heartnet.spanish import (
    NotANumber,
    decimal,
    file_message,
    number_text,
    parse_number,
    percent,
    points,
    validation_message,
)


@pytest.mark.parametrize(
    ("typed", "number"),
    [("0,8", 0.8), ("0.8", 0.8), (" 54 ", 54.0), ("-1,5", -1.5), ("+2", 2.0), (",5", 0.5), ("10.", 10.0)],
)
def test_a_number_is_read_with_a_comma_or_a_point(typed, number):
    assert parse_number(typed) == number


@pytest.mark.parametrize("typed", ["", "mucho", "1,5,2", "1.234,5", "1 5", "0x10", "1e3", "nan", "∞"])
def test_anything_else_is_not_a_number_and_nothing_is_guessed(typed):
    with pytest.raises(NotANumber):
        parse_number(typed)


def test_numbers_are_shown_whole_when_whole_and_with_a_decimal_comma():
    age, oldpeak, cholesterol = (FEATURES_BY_NAME[name] for name in ("Age", "Oldpeak", "Cholesterol"))
    assert number_text(age, 54.0) == "54" and number_text(oldpeak, 1.5) == "1,5" and number_text(oldpeak, 2.0) == "2"
    assert number_text(cholesterol, None) == "" and number_text(cholesterol, float("nan")) == ""
    assert percent(0.5724) == "57,2 %" and percent(0.5, 0) == "50 %" and points(-0.032) == "-3,2 pp"
    assert decimal(0.94127, 3) == "0,941" and decimal(0.5, 2) == "0,50" and decimal(12.0, 0) == "12"


@pytest.mark.parametrize(
    ("problem", "expected"),
    [
        ("no_such_file", "No se encontró el archivo «x.csv»"),
        ("is_folder", "«x.csv» es una carpeta: elegí un archivo CSV"),
        ("not_text", "no es un archivo de texto (¿una planilla de Excel?). Guardala como CSV"),
        ("empty", "«x.csv» está vacío. Subí un CSV con una fila de encabezado"),
        ("no_rows", "tiene el encabezado pero ninguna fila de pacientes"),
        ("unreadable", "No se pudo leer «x.csv» como CSV"),
    ],
)
def test_every_file_problem_is_one_spanish_sentence_that_says_what_to_do(problem, expected):
    message = file_message(FileProblem("x.csv", problem, detail="pyarrow's words"))
    assert expected in message and message.endswith(".")
    assert "pyarrow" not in message  # the library's English stays out


def test_missing_columns_list_the_expected_and_the_found():
    error = FileProblem("x.csv", "missing_columns", expected=["Age", "Sex", "MaxHR"], found=["Edad", "Sex"])
    assert str(error) == "x.csv: required columns missing: Age, MaxHR (expected Age, Sex, MaxHR; found Edad, Sex)"
    message = file_message(error)
    assert "le faltan columnas: Age, MaxHR" in message
    assert "Se esperan Age, Sex, MaxHR" in message and "se encontraron: Edad, Sex" in message


def test_an_unknown_file_problem_is_a_bug():
    with pytest.raises(ValueError, match="unknown file problem 'lost'"):
        FileProblem("x.csv", "lost")


def test_the_not_measured_note_says_it_marks_a_hospital_and_how_each_model_takes_it():
    from heartnet.features import FEATURES, MISSING
    from heartnet.spanish import not_measured_note

    cholesterol = next(feature for feature in FEATURES if feature.nullable)
    notes = {missing: not_measured_note(cholesterol, missing) for missing in MISSING}
    assert len(set(notes.values())) == len(MISSING)  # one wording per handling
    for note in notes.values():
        assert cholesterol.label in note and "hospital" in note and "no que no medirlo sea un factor de riesgo" in note
    assert "no cambia la probabilidad" in notes["drop"] and "indicadora" in notes["indicator"]


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"problem": "bad_label", "line": 7, "value": "sí"}, "La línea 7 tiene «sí»"),
        (
            {"problem": "one_class", "rows": 40, "present": 1},
            "Las 40 filas válidas son todas de pacientes con enfermedad",
        ),
        ({"problem": "one_class", "rows": 40, "present": 0}, "todas de pacientes sin enfermedad"),
        (
            {"problem": "too_few", "rows": 12, "needed": 20, "method": "intercept"},
            "del intercepto necesita al menos 20",
        ),
    ],
)
def test_local_data_problems_are_worded_in_spanish_from_their_fields(fields, words):
    from heartnet.errors import LocalDataError
    from heartnet.spanish_local import local_data_message

    error = LocalDataError(fields.pop("problem"), "english text", **fields)
    message = local_data_message(error)
    assert words in message and "english" not in message


def test_every_reason_a_model_cannot_be_explained_has_a_spanish_wording():
    from heartnet.explain import NoBackground
    from heartnet.spanish import no_background_message

    for reason in NoBackground.REASONS:
        message = no_background_message(NoBackground(reason))
        assert message.startswith("No se puede calcular la explicación de Shapley") and "background" not in message


def test_every_reason_a_model_cannot_be_used_has_a_spanish_wording_that_says_what_to_do(tmp_path):
    from heartnet.errors import ModelError
    from heartnet.spanish import model_message

    for problem in ModelError.PROBLEMS:
        text = model_message(ModelError("English", problem=problem, name="mio.keras"))
        assert "«mio.keras»" in text and "make train" in text and "English" not in text
    wordings = {model_message(ModelError("", problem=p, name="m")) for p in ModelError.PROBLEMS}
    assert len(wordings) == len(ModelError.PROBLEMS)  # one wording per problem
    with pytest.raises(heartnet.ModelError) as missing:
        heartnet.load(tmp_path / "nada.keras")
    assert missing.value.problem == "missing" and "no existe todavía" in model_message(missing.value)
    (tmp_path / "carpeta.keras").mkdir()
    with pytest.raises(heartnet.ModelError) as folder:
        heartnet.load(tmp_path / "carpeta.keras")
    assert folder.value.problem == "is_folder" and "«carpeta.keras» es una carpeta" in model_message(folder.value)


def test_feature_table_comes_from_the_spec():
    table = heartnet.spanish.feature_table()
    assert tuple(table.index) == heartnet.FEATURE_NAMES
    assert "o «no medido»" in table.loc["Cholesterol", "valores aceptados"]


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


def test_every_recalibration_method_is_named_in_one_spanish_table_that_every_sentence_reads():
    from heartnet.errors import LocalDataError
    from heartnet.recalibration import METHODS
    from heartnet.spanish import RECALIBRATION_METHODS, UPDATE_NAMES
    from heartnet.spanish_local import local_data_message

    assert tuple(RECALIBRATION_METHODS) == METHODS  # a method without Spanish words would fail here
    assert list(UPDATE_NAMES) == ["none", "intercept", "logistic", "auto"]  # the tables' order: auto picks among
    for method, words in RECALIBRATION_METHODS.items():
        assert UPDATE_NAMES[method] == words.name and words.name.lower() in words.option.lower()
        error = LocalDataError("too_few", "english text", rows=3, needed=20, method=method)
        assert f"La recalibración {words.of} necesita al menos 20 filas" in local_data_message(error)


@pytest.mark.parametrize(
    ("method", "intercept", "slope", "words"),
    [
        ("none", 0.0, 1.0, "Se decidió **no cambiar el modelo** con 120 pacientes"),
        ("intercept", 0.25, 1.0, "Se decidió la recalibración **del intercepto** con 120 pacientes: intercepto +0,250"),
        (
            "logistic",
            -0.5,
            0.8,
            "**del intercepto y la pendiente** con 120 pacientes: intercepto -0,500, pendiente 0,800",
        ),
    ],
)
def test_what_a_recalibration_decided_is_worded_from_its_method_and_numbers(method, intercept, slope, words):
    from heartnet.spanish_local import update_message
    from heartnet.updating import Update

    assert words in update_message(Update(method, intercept, slope, "english reason", 120))


def _auto_update(rows: int, seed: int = 0):
    """``auto`` on ``rows`` patients of a model whose logits are shifted and too extreme (worth updating)."""
    from heartnet.updating import fit_update

    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, rows)
    y = rng.random(rows) < 1 / (1 + np.exp(-(1 + 0.4 * logits)))
    return fit_update(y, 1 / (1 + np.exp(-logits)), "auto")


def test_every_test_auto_runs_has_spanish_words_and_each_decision_is_worded_with_its_own():
    from heartnet.spanish_local import RECALIBRATION_TESTS, likelihood_ratio_lines
    from heartnet.updating import AUTO_SLOPE_ROWS, TESTS

    assert tuple(RECALIBRATION_TESTS) == TESTS  # a test without Spanish words would fail here
    few = _auto_update(AUTO_SLOPE_ROWS - 1)  # too few for a slope: only the intercept against no update
    assert list(few.p_values) == ["intercept_vs_none"]
    (line,) = likelihood_ratio_lines(few)
    assert line.startswith("Prueba de razón de verosimilitud, intercepto frente a no cambiar nada: p = 0,")
    many = _auto_update(3 * AUTO_SLOPE_ROWS)  # the logistic update against none, then against the intercept
    assert list(many.p_values) == ["logistic_vs_none", "logistic_vs_intercept"]
    assert [line.split(", ", 1)[1].split(": p = ")[0] for line in likelihood_ratio_lines(many)] == [
        "intercepto y pendiente frente a no cambiar nada",
        "intercepto y pendiente frente a solo el intercepto",
    ]
