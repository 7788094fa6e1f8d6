"""Página «Lote»: puntuar un CSV de pacientes; primero el resumen, después las filas, los rechazos con cada motivo."""

import streamlit as st

from heartnet import plots
from heartnet.app.batch import score_upload, template_csv, write_like
from heartnet.app.shared import NOT_A_DEVICE, dataset, model_or_stop
from heartnet.csvio import read_patients
from heartnet.errors import FileProblem
from heartnet.spanish import ENCODING_NAMES, file_message, percent

st.title("Predicción por lote")
st.write(
    "Subí un CSV con una fila por paciente y las 11 columnas del modelo (otras columnas, como un "
    "identificador, se conservan). Se aceptan archivos separados por comas o por punto y coma, con "
    "decimales con punto o con coma y en UTF-8 o en la codificación de Excel en Windows. Las filas con "
    "errores se listan con todos sus motivos; el resto se puntúa."
)
model = model_or_stop()
st.download_button("Descargar plantilla CSV", template_csv(dataset()), file_name="plantilla_pacientes.csv")
upload = st.file_uploader("Archivo CSV de pacientes", type=["csv", "txt"])
if upload is None:
    st.caption(NOT_A_DEVICE)
    st.stop()

try:
    patients = read_patients(upload.getvalue(), name=upload.name)
except FileProblem as error:
    st.error(file_message(error))
    st.stop()

st.caption(
    f"Leído como {ENCODING_NAMES[patients.encoding]}, separado por «{patients.sep}» y con «{patients.decimal}» "
    "como marca decimal; las descargas se escriben igual, y cada celda como vino."
)
batch = score_upload(patients, model)

st.subheader("Resumen")
scored, rejected, positive = st.columns(3)
scored.metric("Filas puntuadas", f"{len(batch.result)} de {len(patients.cells)}")
rejected.metric("Filas rechazadas", f"{len(batch.rejects)}")
positive.metric(f"Sobre el umbral ({percent(model.threshold, 0)})", f"{batch.above_threshold}")
if len(batch.result):
    st.pyplot(plots.probability_histogram(batch.probabilities, threshold=model.threshold))
    st.subheader("Resultado")
    st.dataframe(
        batch.result,
        hide_index=True,
        width="stretch",
        column_config={"probabilidad": st.column_config.ProgressColumn("probabilidad", min_value=0, max_value=1)},
    )
    st.download_button(
        "Descargar CSV con predicciones", write_like(batch.result, patients), file_name="pacientes_con_prediccion.csv"
    )
if len(batch.rejects):
    st.subheader("Filas rechazadas")
    st.dataframe(batch.rejects, hide_index=True, width="stretch")
    st.download_button(
        "Descargar filas rechazadas", write_like(batch.rejects, patients), file_name="pacientes_rechazados.csv"
    )
st.caption(NOT_A_DEVICE)
