"""Página «Modelo»: arquitectura, qué variables pesan, comparación con otros modelos y evaluación."""

import streamlit as st

import heartnet
from heartnet import plots
from heartnet.app.shared import dataset, model_card_block, model_or_stop, report
from heartnet.errors import DataError, NoRecordedSplit
from heartnet.explain import NoBackground
from heartnet.model import member_count
from heartnet.plots import diagrams
from heartnet.spanish import decimal, no_background_message, percent
from heartnet.splits import recorded_split

# The global view's cost is rows x 2,048 coalitions x background rows model evaluations: 40 held-out patients
# against 20 of the model's background rows (a random sample of them already) take a few seconds, not a minute.
EXPLAINED_ROWS = 40
GLOBAL_BACKGROUND_ROWS = 20
MEMBER_NEURONS = 4  # neurons drawn per layer of the member diagram (one hidden layer): about as wide as tall, legible

st.title("El modelo")
model = model_or_stop()
model_sha256 = model.parsed.model_sha256 or ""  # the cache key of what is drawn from the model


@st.cache_data(show_spinner="Dibujando la arquitectura…")
def _diagrams(model_sha256: str) -> tuple[bytes, bytes]:  # keyed by the model file's sha256
    return (
        diagrams.svg_to_png(
            diagrams.model_svg(model.model, rankdir="LR", show_shapes=False, spanish=True, compact=True), dpi=96
        ),
        diagrams.svg_to_png(
            diagrams.mlp_svg(
                heartnet.model.member_mlp(model.model), max_neurons=MEMBER_NEURONS, spanish=True, layer_gap=3.5
            ),
            dpi=60,
        ),
    )


@st.cache_data(show_spinner="Calculando los valores de Shapley de pacientes de prueba…")
def _global_explanation(model_sha256: str, rows: tuple[int, ...]):
    from heartnet.explain import explain, model_background  # imports shap: only the pages that explain

    background = model_background(model)[:GLOBAL_BACKGROUND_ROWS]
    return explain(model, dataset().iloc[list(rows)], background=background)


whole, member = _diagrams(model_sha256)
members = member_count(model.model)
st.subheader("Arquitectura")
st.write(
    "Cada variable entra por su propia entrada; las capas de preprocesamiento (normalización para los números, "
    "one-hot para las categorías, el colesterol no medido rellenado con la media) arman una matriz que recibe la "
    f"red: {members} perceptrones multicapa lado a lado, y la predicción es el promedio de sus probabilidades "
    "(un ensamble)."
)
st.image(
    whole,
    caption="El modelo completo, de las 11 entradas a la probabilidad (keras.utils.plot_model); "
    "el botón de pantalla completa lo muestra más grande",
)
st.image(
    member,
    caption=f"Uno de los miembros del ensamble, neurona por neurona (keras-visualizer; se dibujan hasta "
    f"{MEMBER_NEURONS} neuronas por capa)",
)

try:
    test = recorded_split(model.record).test
except NoRecordedSplit:
    st.warning(
        "El modelo guardado no registra su conjunto de prueba (no lo guardó `heartnet train`): no se puede "
        "mostrar su evaluación. Se puede medir con pacientes propios en «Validar en mi hospital»."
    )
    st.stop()
except DataError:
    st.warning("El modelo guardado no se entrenó con el dataset incluido: no se puede reconstruir su prueba.")
    st.stop()

st.subheader("Qué variables pesan")
st.write(
    f"Valores de Shapley de {EXPLAINED_ROWS} pacientes de prueba, contra {GLOBAL_BACKGROUND_ROWS} pacientes de "
    "entrenamiento: cuánto empuja cada dato la probabilidad de cada paciente, desde la tasa base del modelo. "
    "Primero, el promedio de ese empuje (sin signo); después, cada paciente es un punto, coloreado por su valor "
    "en esa variable."
)
try:
    explanation = _global_explanation(model_sha256, tuple(model.record.split.test_rows[:EXPLAINED_ROWS].tolist()))
except NoBackground as error:
    st.info(no_background_message(error))
else:
    st.pyplot(plots.shapley_importance(explanation))
    st.pyplot(plots.shapley_summary(explanation))

st.subheader("En un hospital que no vio")
hospitals, hospitals_tables = report("hospitals"), model_card_block("hospitals")
if hospitals is None or hospitals_tables is None:
    st.info("Todavía no hay evaluación por hospital: se genera con `make bench`.")
else:
    st.write(
        "La evaluación principal: el modelo se entrena con tres hospitales y se mide en el cuarto, como le "
        "pasaría a un hospital que lo adopte. Ordenar pacientes se sostiene bastante; la probabilidad se corre "
        "con la tasa de enfermedad de cada hospital (intercepto y pendiente de calibración)."
    )
    st.markdown(hospitals_tables)
    if "recalibration" in hospitals:
        st.write(
            "¿Cuánto ayuda recalibrar con pocos pacientes del hospital nuevo? Cada panel actualiza el modelo con "
            "k pacientes del hospital que quedó afuera y mide la log loss en los demás (lo hace "
            "`heartnet recalibrate`, y la página «Validar en mi hospital» con un archivo propio):"
        )
        st.pyplot(plots.recalibration_by_sample_size(hospitals["recalibration"]))

st.subheader("Comparación con otros modelos")
quality_tables = model_card_block("pooled")
if quality_tables is None:
    st.info("Todavía no hay benchmark: se genera con `make bench`.")
else:
    st.markdown(quality_tables)

st.subheader("Evaluación en su conjunto de prueba")
probabilities = heartnet.predict(test, model)
y = test[heartnet.TARGET]
scores = heartnet.classification_metrics(y, probabilities, threshold=model.threshold)
columns = st.columns(4)
for column, (name, key) in zip(
    columns,
    [("ROC AUC", "roc_auc"), ("Sensibilidad", "sensitivity"), ("Especificidad", "specificity"), ("Brier", "brier")],
    strict=True,
):
    column.metric(name, decimal(scores[key], 3))
left, right = st.columns(2)  # each half as wide as the page: the two figures are drawn about that size
left.pyplot(plots.confusion_matrix(y, probabilities, threshold=model.threshold))
right.pyplot(plots.calibration(y, probabilities))
st.pyplot(plots.roc_and_precision_recall(y, probabilities))
st.write(
    f"El umbral del modelo, {percent(model.threshold, 0)}, sale de una razón de daño a beneficio: se aceptan "
    "varios estudios de más por cada enfermo encontrado (ver el README). La curva de decisión dice si ahí decidir "
    "con el modelo hace más bien que estudiar a todos o a nadie:"
)
left, _ = st.columns(2)
left.pyplot(plots.decision_curve(y, probabilities, threshold=model.threshold, title="Curva de decisión (prueba)"))
