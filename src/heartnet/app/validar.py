"""Página «Validar en mi hospital»: el modelo con pacientes propios, calibración, curva de decisión, recalibrar."""

import io
import tempfile
import zipfile
from pathlib import Path

import streamlit as st

import heartnet
from heartnet import plots
from heartnet.app.shared import NOT_A_DEVICE, UPLOADS_STAY, dataset, model_or_stop
from heartnet.app.uploads import template_csv
from heartnet.errors import FileProblem, LocalDataError
from heartnet.local_check import local_evaluation, read_labelled
from heartnet.recalibration import METHODS
from heartnet.spanish import RECALIBRATION_METHODS, file_message, maybe_decimal, percent, reasons_message
from heartnet.spanish_local import (
    few_to_recalibrate_message,
    likelihood_ratio_lines,
    local_data_message,
    sample_size_message,
    training_rows_message,
    update_message,
)
from heartnet.updating import AUTO_SLOPE_ROWS, MIN_ROWS, recalibrate

st.title("Validar en mi hospital")
st.write(
    "Un hospital que adopta el modelo es un hospital que el modelo no vio: ordenar pacientes suele sostenerse, "
    "pero las probabilidades se corren con la tasa de enfermedad de cada lugar. Subí un CSV de pacientes propios "
    "**con su diagnóstico** (las 11 columnas y `HeartDisease`, 1 con enfermedad y 0 sin) para ver cómo le va al "
    "modelo con ellos y, si hace falta, descargar un modelo recalibrado para tu hospital."
)
model = model_or_stop()
st.download_button(
    "Descargar plantilla CSV con diagnóstico",
    template_csv(dataset(), labelled=True),
    file_name="plantilla_validacion.csv",
)
upload = st.file_uploader("CSV de pacientes con diagnóstico", type=["csv", "txt"])
st.caption(UPLOADS_STAY)
if upload is None:
    st.caption(NOT_A_DEVICE)
    st.stop()

try:
    local = read_labelled(upload.getvalue(), name=upload.name)
except FileProblem as error:
    st.error(file_message(error))
    st.stop()
except LocalDataError as error:
    st.error(local_data_message(error))
    st.stop()
if local.frame.empty:
    st.error("Ninguna fila del archivo es válida: no hay pacientes con los que evaluar el modelo.")
    st.stop()

y = local.frame[heartnet.TARGET].to_numpy()
probabilities = heartnet.inference.probabilities(model, local.frame)  # rows validated when read
result = local_evaluation(model, local.frame, probabilities)  # what `heartnet evaluate --data` reports
if result["rows_seen_in_training"]:
    st.warning(training_rows_message(result["rows_seen_in_training"], len(local.frame)))


st.subheader("Cómo le va al modelo con tus pacientes")
st.write(
    f"{result['n']} pacientes válidos, {percent(result['prevalence'])} con enfermedad; el modelo les da en promedio "
    f"{percent(result['mean_predicted'])}."
)
SHOWN = (  # each metric as the command line gives it: the value, and its 95 % interval under it
    ("ROC AUC", "roc_auc", 3),
    ("Brier (menor es mejor)", "brier", 3),
    ("Intercepto de calibración (ideal 0)", "calibration_intercept", 2),
    ("Pendiente de calibración (ideal 1)", "calibration_slope", 2),
    ("Sensibilidad", "sensitivity", 2),
    ("Especificidad", "specificity", 2),
    ("Valor predictivo positivo", "ppv", 2),
    ("Valor predictivo negativo", "npv", 2),
)
for row in (SHOWN[:4], SHOWN[4:]):
    for column, (label, key, digits) in zip(st.columns(4), row, strict=True):
        low, high = result.get(f"{key}_low"), result.get(f"{key}_high")
        interval = f"IC 95 %: {maybe_decimal(low, digits)} a {maybe_decimal(high, digits)}" if low is not None else None
        column.metric(label, maybe_decimal(result[key], digits), delta=interval, delta_color="off", delta_arrow="off")
st.caption(
    f"Sensibilidad, especificidad y valores predictivos al umbral del modelo, {percent(model.threshold, 0)}, con "
    "intervalos de Wilson; el de la ROC AUC es un *bootstrap* estratificado; los de la calibración, de su ajuste "
    "logístico. Un intercepto positivo dice que el modelo subestima el riesgo de tus pacientes; negativo, que lo "
    "sobreestima; una pendiente menor que 1, que sus probabilidades son demasiado extremas."
)
needed = result["patients_needed"]  # None without patients with and without the disease
if needed:
    st.info(sample_size_message(needed, result))
if len(set(y)) == 2:
    left, right = st.columns(2)
    left.pyplot(plots.calibration(y, probabilities))
    right.pyplot(plots.decision_curve(y, probabilities, threshold=model.threshold, title="Curva de decisión"))
else:
    st.info(
        "Todos los pacientes válidos tienen el mismo diagnóstico: sin pacientes con y sin enfermedad no se puede "
        "medir cómo ordena el modelo, ni su calibración, ni dibujar su curva de decisión."
    )

if local.left_out:
    st.subheader("Filas que quedaron afuera")
    st.dataframe(
        [{"línea": line, "motivo": reasons_message(problems)} for line, problems in local.rejected.items()],
        hide_index=True,
        width="stretch",
    )

st.subheader("Recalibrar el modelo para tu hospital")
st.write(
    "La recalibración vuelve a estimar, con tus pacientes, el intercepto (y quizá la pendiente) del logit del modelo, "
    "sin tocar la red. El modelo descargado ya devuelve la probabilidad recalibrada: la línea de comandos, la "
    f"app y TensorFlow Serving lo usan como a cualquier otro. Con menos de {MIN_ROWS['intercept']} pacientes "
    f"válidos con y sin enfermedad no recalibra ({MIN_ROWS['logistic']} para la pendiente; la automática solo la "
    f"considera desde {AUTO_SLOPE_ROWS}): es el mínimo que acepta el programa, no lo recomendable; cuántos hacen "
    "falta para una corrección precisa lo calcula `pmvalsampsize`. Para saber si ayudó, medilo después con "
    "**otros** pacientes."
)
if needed and len(y) < needed["recalibration"]:
    st.warning(few_to_recalibrate_message(len(y), needed))
method = st.radio("Método", METHODS, format_func=lambda m: RECALIBRATION_METHODS[m].option)
if st.button("Recalibrar"):
    try:
        recalibrated, update, metadata = recalibrate(model, local, method=method, probabilities=probabilities)
    except LocalDataError as error:
        st.error(local_data_message(error))
        st.stop()
    st.success(update_message(update))
    for line in likelihood_ratio_lines(update):
        st.write(f"- {line}")
    with tempfile.TemporaryDirectory() as folder:
        path = heartnet.save_model(recalibrated, Path(folder) / "heartnet_recalibrado.keras", metadata=metadata)
        archive = io.BytesIO()
        with zipfile.ZipFile(archive, "w") as bundle:
            for file in (path, path.with_suffix(".json")):
                bundle.write(file, file.name)
    st.download_button(
        "Descargar el modelo recalibrado (.zip con el .keras y sus metadatos)",
        archive.getvalue(),
        file_name="heartnet_recalibrado.zip",
    )
    st.caption(
        "Para usarlo: descomprimilo y pasá el .keras con `--model` a `heartnet predict`, `score` o `evaluate`, "
        "o apuntá la app a él con la variable `HEARTNET_MODEL`."
    )
st.caption(NOT_A_DEVICE)
