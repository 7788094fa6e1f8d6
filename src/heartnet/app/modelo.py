"""Página «Modelo»: arquitectura, comparación con scikit-learn y evaluación del modelo guardado."""

import streamlit as st

import heartnet
from heartnet import diagrams, plots
from heartnet.app.shared import dataset, model_or_stop
from heartnet.reports import load_report, quality_table

st.title("El modelo")
model = model_or_stop()
metadata = model.metadata


@st.cache_data(show_spinner="Dibujando la arquitectura…")
def _diagrams(created: str) -> tuple[bytes, bytes]:  # keyed by the model's creation time
    return (
        diagrams.svg_to_png(diagrams.model_svg(model.model, rankdir="LR", show_shapes=False), dpi=80),
        diagrams.svg_to_png(diagrams.mlp_svg(heartnet.heads(model.model)[0]), dpi=50),
    )


whole, head = _diagrams(metadata.get("created", ""))
members = len(heartnet.heads(model.model))
st.subheader("Arquitectura")
st.write(
    "Cada variable entra por su propia entrada; las capas de preprocesamiento (normalización, one-hot e "
    "indicador de colesterol faltante) arman una matriz que recibe "
    + (
        f"cada uno de {members} perceptrones multicapa; la predicción es el promedio de sus probabilidades "
        "(un ensamble)."
        if members > 1
        else "un perceptrón multicapa."
    )
)
st.image(whole, caption="Modelo completo (keras.utils.plot_model)")
head_caption = "Una de las cabezas MLP" if members > 1 else "La cabeza MLP"
st.image(head, caption=f"{head_caption}, neurona por neurona (keras-visualizer)", width=600)

st.subheader("Comparación con scikit-learn")
quality = load_report("quality")
if quality is None:
    st.info("Todavía no hay benchmark: se genera con `make bench`.")
else:
    st.markdown(quality_table(quality))

st.subheader("Evaluación en su partición de prueba")
df = dataset()
if metadata.get("data", {}).get("sha256") != df.attrs.get("sha256"):
    st.warning("El modelo guardado no se entrenó con el dataset incluido: no se puede reconstruir su prueba.")
else:
    test = df.iloc[metadata["split"]["test_rows"]]
    probabilities = heartnet.predict(test, model)
    y = test[heartnet.TARGET]
    threshold = model.threshold
    scores = heartnet.classification_metrics(y, probabilities, threshold=threshold)
    columns = st.columns(4)
    for column, (name, key) in zip(
        columns,
        [("ROC AUC", "roc_auc"), ("Exactitud", "accuracy"), ("Sensibilidad", "recall"), ("Brier", "brier")],
        strict=True,
    ):
        column.metric(name, f"{scores[key]:.3f}")
    left, right = st.columns([1, 2])
    left.pyplot(plots.confusion_matrix(y, probabilities, threshold=threshold))
    right.pyplot(plots.roc_and_precision_recall(y, probabilities))
