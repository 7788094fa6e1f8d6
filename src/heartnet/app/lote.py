"""Página «Lote»: puntuar un CSV de pacientes; primero el resumen, después las filas, los rechazos con cada motivo."""

import streamlit as st

from heartnet import plots
from heartnet.app.shared import NOT_A_DEVICE, UPLOADS_STAY, dataset, model_or_stop
from heartnet.app.uploads import score_upload, template_csv, write_like
from heartnet.csvio import read_patients
from heartnet.errors import FileProblem
from heartnet.spanish import ENCODING_NAMES, file_message, out_of_range_message, percent

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
st.caption(UPLOADS_STAY)
if upload is None:
    st.caption(NOT_A_DEVICE)
    st.stop()

try:  # a row with too many or too few fields is rejected with its line, not the whole file
    patients = read_patients(upload.getvalue(), name=upload.name, set_aside=True)
except FileProblem as error:
    st.error(file_message(error))
    st.stop()

if patients.decimals_seen:
    decimals = f"con «{patients.decimal}» como marca decimal"
else:
    decimals = f"sin números con decimales (en las descargas, la marca decimal es «{patients.decimal}»)"
st.caption(
    f"Leído como {ENCODING_NAMES[patients.encoding]}, separado por «{patients.sep}» y {decimals}; las descargas "
    "se escriben igual, y cada celda como vino."
)
batch = score_upload(patients, model)


def download(label: str, table, file_name: str) -> None:
    """A download button for ``table`` written like the upload, saying so when its encoding could not hold it."""
    written = write_like(table, patients)
    st.download_button(label, written.data, file_name=file_name)
    if written.fell_back:
        chars = [f"«{char}»" for char in written.unwritable]
        which = (
            f"el carácter {chars[0]}, que aparece"
            if len(chars) == 1
            else f"los caracteres {', '.join(chars[:-1])} y {chars[-1]}, que aparecen"
        )
        st.info(
            f"Esta descarga está en UTF-8 (con la marca que Excel reconoce), no en {ENCODING_NAMES[patients.encoding]} "
            f"como el archivo subido: esa codificación no tiene {which} en la tabla. Ningún carácter se cambió."
        )


st.subheader("Resumen")
scored, rejected, positive = st.columns(3)
scored.metric("Filas puntuadas", f"{len(batch.result)} de {len(batch.result) + len(batch.rejects)}")
rejected.metric("Filas rechazadas", f"{len(batch.rejects)}")
positive.metric(f"Sobre el umbral ({percent(model.threshold, 0)})", f"{batch.above_threshold}")
for warning in batch.out_of_range:  # valid values the model never saw: the column fuera_de_rango names them by row
    st.warning(out_of_range_message(warning))
if len(batch.result):
    st.pyplot(plots.probability_histogram(batch.probabilities, threshold=model.threshold))
    st.subheader("Resultado")
    st.dataframe(
        batch.result,
        hide_index=True,
        width="stretch",
        column_config={"probabilidad": st.column_config.ProgressColumn("probabilidad", min_value=0, max_value=1)},
    )
    download("Descargar CSV con predicciones", batch.result, "pacientes_con_prediccion.csv")
if len(batch.rejects):
    st.subheader("Filas rechazadas")
    st.dataframe(batch.rejects, hide_index=True, width="stretch")
    download("Descargar filas rechazadas", batch.rejects, "pacientes_rechazados.csv")
st.caption(NOT_A_DEVICE)
