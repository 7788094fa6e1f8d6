"""Página «Predicción»: un formulario generado de la especificación de variables."""

import streamlit as st

import heartnet
from heartnet import plots
from heartnet.app.shared import NOT_A_DEVICE, model_or_stop, spanish, typical
from heartnet.explain import contributions

st.title("Predicción para un paciente")
st.write(
    "Completá los 11 datos clínicos y presioná **Predecir**. Los valores iniciales son los de un "
    "paciente típico del dataset."
)
model = model_or_stop()
threshold = model.threshold
defaults = typical()

with st.form("paciente"):
    row = {}
    columns = st.columns(3)
    for index, feature in enumerate(heartnet.FEATURES):
        with columns[index % 3]:
            if feature.kind == "numeric":
                label = f"{feature.label} ({feature.unit})"
                if feature.nullable:
                    missing = st.checkbox(f"{feature.label}: no medido", key=f"{feature.name}_no_medido")
                value = st.number_input(
                    label,
                    min_value=float(feature.min),
                    max_value=float(feature.max),
                    value=float(defaults[feature.name]),
                    step=float(feature.step),
                    help=feature.description,
                    key=feature.name,
                )
                row[feature.name] = None if feature.nullable and missing else value
            else:
                row[feature.name] = st.selectbox(
                    feature.label,
                    options=list(feature.values),
                    index=list(feature.values).index(defaults[feature.name]),
                    format_func=lambda value, feature=feature: f"{value} — {feature.meaning(value)}",
                    help=feature.description,
                    key=feature.name,
                )
    submitted = st.form_submit_button("Predecir", type="primary")

if submitted:
    try:
        probability = heartnet.predict_one(row, model)
    except heartnet.ValidationError as error:
        st.error(spanish(error))
        st.stop()
    st.session_state["resultado"] = (row, probability)

if "resultado" in st.session_state:
    row, probability = st.session_state["resultado"]
    positive = bool(model.classify(probability))
    left, right = st.columns([1, 2])
    with left:
        st.metric("Probabilidad de enfermedad cardíaca", f"{probability:.1%}")
        message = f"con el umbral de {threshold:.0%}, el modelo clasifica al paciente"
        if positive:
            st.error(f"**Riesgo alto**: {message} **con enfermedad cardíaca**.")
        else:
            st.success(f"**Riesgo bajo**: {message} **sin enfermedad cardíaca**.")
    with right:
        st.pyplot(plots.risk_gauge(probability, threshold=threshold))
    st.subheader("¿Qué empujó el riesgo hacia arriba o hacia abajo?")
    st.write(
        "Cada barra es el cambio en la probabilidad si **solo esa variable** tomara el valor típico del "
        "dataset (mediana o categoría más frecuente). Rojo: ese dato sube el riesgo; azul: lo baja."
    )
    effects = contributions(row, model, typical())
    st.pyplot(plots.contribution_bars(effects))
    for feature in heartnet.FEATURES:
        if feature.nullable and row[feature.name] is None:
            st.info(
                f"«{feature.label}» figura como **no medido**: el modelo usa la media de entrenamiento y una "
                "columna indicadora de faltante."
            )
st.caption(NOT_A_DEVICE)
