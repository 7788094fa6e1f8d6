"""Página «Datos»: los gráficos de exploración, con las mismas funciones que el notebook."""

import streamlit as st

import heartnet
from heartnet import plots
from heartnet.app.shared import dataset
from heartnet.data import raw_dataset
from heartnet.features import TARGET_DEFINITION
from heartnet.spanish import feature_table

st.title("Los datos")
st.write(
    f"Dataset [Heart Failure Prediction]({heartnet.KAGGLE_URL}) (Kaggle, licencia ODbL 1.0): pacientes de "
    "cuatro hospitales (Hungría, Suiza, Long Beach VA y Cleveland) con 11 variables clínicas y el diagnóstico "
    f"de **enfermedad coronaria**: {TARGET_DEFINITION}. A pesar del título de Kaggle, no es insuficiencia "
    "cardíaca: las cuatro colecciones de UCI que lo forman registran el resultado de la angiografía coronaria."
)
df = dataset()
st.subheader("Diccionario de columnas")
st.table(feature_table())  # a table shows every word; a data frame would cut the long ones

st.subheader("Balance de clases")
st.pyplot(plots.class_balance(df))
st.write("Hay algo más de pacientes con enfermedad coronaria que sin ella.")

st.subheader("Variables numéricas según la clase")
st.pyplot(plots.numeric_distributions(df))
st.write(
    "Los enfermos tienen una frecuencia cardíaca máxima más baja, una depresión del ST mayor y suelen ser "
    "mayores; la presión y el colesterol separan poco las clases."
)

st.subheader("Tasa de enfermedad por categoría")
st.pyplot(plots.categorical_positive_rates(df))
st.write(
    "No tener dolor de pecho (`ASY`), la angina inducida por ejercicio y la pendiente del ST plana o descendente "
    "se asocian a tasas mucho más altas que la global; las mujeres, a una tasa mucho más baja."
)

st.subheader("Colesterol «no medido»")
st.pyplot(plots.missing_cholesterol(raw_dataset()))
st.write(
    "En el archivo, un colesterol de 0 significa «no medido», y esos pacientes son casi todos enfermos. No es "
    "que no medirlo sea un riesgo: la mayoría vienen de Suiza, el hospital que no lo midió nunca y el que más "
    "enfermedad tiene. Por eso el proyecto evalúa dejando un hospital afuera (ver la ficha del modelo)."
)

st.subheader("Correlaciones")
st.pyplot(plots.correlations(df))
