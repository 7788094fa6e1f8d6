"""Página «Predicción»: un formulario generado de la especificación de variables, con su explicación."""

import streamlit as st

import heartnet
from heartnet import plots
from heartnet.app.shared import (
    NOT_A_DEVICE,
    contributions,
    hide_english_input_hints,
    model_or_stop,
    typical,
)
from heartnet.explain import NoBackground
from heartnet.features import TARGET_DEFINITION
from heartnet.inference import probabilities
from heartnet.ranges import out_of_range
from heartnet.spanish import (
    NotANumber,
    no_background_message,
    not_a_number_message,
    not_measured_note,
    number_text,
    option_text,
    out_of_range_message,
    parse_number,
    percent,
    validation_message,
)
from heartnet.validation import row_problems

RESULT = "resultado"
NOT_MEASURED = "no medido"


def _not_measured_key(name: str) -> str:
    return f"{name}_no_medido"


def _not_measured_changed(name: str) -> None:
    """Tick: the box empties (what was typed is kept aside); untick: what was typed comes back."""
    if st.session_state[_not_measured_key(name)]:
        st.session_state[f"{name}_escrito"] = st.session_state.get(name, "")
        st.session_state[name] = ""
    else:
        st.session_state[name] = st.session_state.pop(f"{name}_escrito", "")


def _missing_number_message(feature) -> str:
    """An empty box of a feature that may be «no medido», in Spanish."""
    bounds = f"{number_text(feature, feature.min)} y {number_text(feature, feature.max)} {feature.unit}"
    return (
        f"Falta el valor de «{feature.label}» ({feature.name}): escribí un número entre {bounds}, "
        f"o tildá «{NOT_MEASURED}» si no se midió"
    )


st.title("Predicción para un paciente")
st.write(
    f"La probabilidad de **enfermedad coronaria** ({TARGET_DEFINITION}). "
    "Completá los 11 datos clínicos y presioná **Predecir**. Los valores iniciales son los de un paciente "
    "típico del dataset. Los números se escriben con coma o con punto decimal (0,8 o 0.8)."
)
hide_english_input_hints()
model = model_or_stop()
defaults = typical()

texts, choices, not_measured = {}, {}, {}
columns = st.columns(3)
for index, feature in enumerate(heartnet.FEATURES):
    with columns[index % 3]:
        if feature.kind == "numeric":
            # The box's text lives in the session state (not value=), so that ticking «no medido» can empty it.
            st.session_state.setdefault(feature.name, number_text(feature, defaults[feature.name]))
            if feature.nullable:
                not_measured[feature.name] = st.checkbox(
                    f"{feature.label}: {NOT_MEASURED}",
                    key=_not_measured_key(feature.name),
                    on_change=_not_measured_changed,
                    args=(feature.name,),
                )
            bounds = f"Entre {number_text(feature, feature.min)} y {number_text(feature, feature.max)} {feature.unit}."
            disabled = not_measured.get(feature.name, False)
            texts[feature.name] = st.text_input(
                f"{feature.label} ({feature.unit})",
                help=f"{feature.description} {bounds}",
                key=feature.name,
                disabled=disabled,
                placeholder=NOT_MEASURED if disabled else None,
            )
        else:
            choices[feature.name] = st.selectbox(
                feature.label,
                options=list(feature.values),
                index=list(feature.values).index(defaults[feature.name]),
                format_func=lambda value, feature=feature: option_text(feature, value),
                help=feature.description,
                key=feature.name,
            )

if st.button("Predecir", type="primary"):
    row, problems, unreadable = dict(choices), [], set()
    for name, text in texts.items():
        feature = heartnet.features.FEATURES_BY_NAME[name]
        if not_measured.get(name) or not text.strip():
            row[name] = None  # not measured; or empty, which the validator calls a missing value
            if feature.nullable and not not_measured.get(name):  # empty is not «no medido» unless ticked
                problems.append(_missing_number_message(feature))
                unreadable.add(name)
            continue
        try:
            row[name] = parse_number(text)
        except NotANumber:
            problems.append(not_a_number_message(feature, text))
            row[name], unreadable = None, unreadable | {name}
    # Every problem at once, in the form's order: text that is no number, then values out of range and the like.
    problems += [validation_message(error) for error in row_problems(row) if error.field not in unreadable]
    if problems:
        st.session_state.pop(RESULT, None)  # the previous patient's result is not this one's
        st.error("No se puede predecir todavía. Corregí estos datos:\n\n" + "\n".join(f"- {text}" for text in problems))
    else:
        # predict_one's computation, with its OutOfRangeWarning kept as data to word in Spanish (no warnings module:
        # its state is the whole process's, and this server runs a thread per session)
        columns = {name: [value] for name, value in heartnet.validate_row(row).items()}
        unseen = [out_of_range_message(w) for w in out_of_range(columns, model.observed_ranges)]
        st.session_state[RESULT] = (row, float(probabilities(model, columns)[0]), unseen)

if RESULT in st.session_state:
    row, probability, unseen = st.session_state[RESULT]
    positive = bool(model.classify(probability))
    left, right = st.columns([1, 2])
    with left:
        st.metric("Probabilidad de enfermedad coronaria", percent(probability))
        threshold = f"umbral de {percent(model.threshold, 0)}"
        if positive:  # what the threshold decides is whether to study the patient further, not a diagnosis
            st.error(f"**Por encima del {threshold}**: correspondería estudiarlo más. No es un diagnóstico.")
        else:
            st.success(f"**Por debajo del {threshold}**: no sugiere estudiarlo más; no descarta la enfermedad.")
        for notice in unseen:
            st.warning(notice)
    with right:
        st.pyplot(plots.risk_gauge(probability, threshold=model.threshold))
    st.subheader("¿Por qué esa probabilidad?")
    try:
        explanation = contributions(model, row)
    except NoBackground as error:
        st.info(no_background_message(error))
    else:
        st.write(
            f"Cada barra es la **contribución de Shapley** de un dato: cuánto empuja la probabilidad desde la "
            f"**tasa base** ({percent(explanation.attrs['base'])}, el promedio del modelo sobre pacientes de "
            "entrenamiento) hasta la de este paciente. Rojo sube el riesgo, azul lo baja; las contribuciones "
            "suman exactamente la diferencia."
        )
        st.pyplot(plots.shapley_waterfall(explanation))
    missing = model.hyperparameters["missing"]
    for feature in heartnet.FEATURES:
        if feature.nullable and row[feature.name] is None:
            st.info(not_measured_note(feature, missing))
st.caption(NOT_A_DEVICE)
