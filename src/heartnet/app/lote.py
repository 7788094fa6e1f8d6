"""Página «Lote»: puntuar un CSV de pacientes, con los errores por línea y en español."""

import io

import streamlit as st

import heartnet
from heartnet.app.shared import NOT_A_DEVICE, dataset, model_or_stop, spanish
from heartnet.csvio import read_patients
from heartnet.errors import DataError
from heartnet.validation import find_problems

st.title("Predicción por lote")
st.write(
    "Subí un CSV con una fila por paciente y las 11 columnas del modelo (otras columnas, como un "
    "identificador, se conservan). Se aceptan archivos separados por comas o por punto y coma, con "
    "decimales con punto o con coma, como los exporta una planilla en español. Las filas con errores se "
    "listan y se excluyen; el resto se puntúa."
)
model = model_or_stop()

template = dataset()[list(heartnet.FEATURE_NAMES)].head(3).copy()
for feature in heartnet.FEATURES:  # show how a value that was not measured is written: an empty cell
    if feature.nullable:
        template.loc[template.index[0], feature.name] = None
st.download_button(
    "Descargar plantilla CSV",
    template.to_csv(index=False).encode("utf-8"),
    file_name="plantilla_pacientes.csv",
    mime="text/csv",
)
upload = st.file_uploader("Archivo CSV de pacientes", type=["csv", "txt"])
if upload is None:
    st.caption(NOT_A_DEVICE)
    st.stop()

try:
    raw, file_format = read_patients(upload.getvalue())
    good, problems = find_problems(raw, where="line", first=2)
except DataError as error:
    st.error(f"No se pudo leer el archivo: {str(error).split(': ', 1)[-1]}")
    st.stop()
except heartnet.ValidationError as error:
    st.error(spanish(error))
    st.stop()

st.subheader("Vista previa")
st.dataframe(raw.head(10), width="stretch")
st.write(f"**{int(good.sum())}** filas válidas de **{len(raw)}**.")
if problems:
    st.subheader("Filas excluidas")
    st.dataframe(
        {"línea": [problem.row for problem in problems], "motivo": [spanish(p).split(": ", 1)[1] for p in problems]},
        width="stretch",
        hide_index=True,
    )

if good.any():
    scored = raw[good].copy()
    scored["probabilidad"] = heartnet.predict(scored[list(heartnet.FEATURE_NAMES)], model).round(4)
    scored["prediccion"] = model.classify(scored["probabilidad"])
    st.subheader("Resultado")
    st.dataframe(scored, width="stretch")
    buffer = io.StringIO()
    scored.to_csv(buffer, index=False, sep=file_format["sep"], decimal=file_format["decimal"])
    st.download_button(
        "Descargar CSV con predicciones",
        buffer.getvalue().encode("utf-8"),
        file_name="pacientes_con_prediccion.csv",
        mime="text/csv",
    )
st.caption(NOT_A_DEVICE)
