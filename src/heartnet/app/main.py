"""heartnet: the web app. Run with `make app` (or `streamlit run src/heartnet/app/main.py`)."""

import streamlit as st

st.set_page_config(
    page_title="heartnet: riesgo de enfermedad coronaria", page_icon=":material/favorite:", layout="wide"
)
page = st.navigation(
    [
        st.Page("prediccion.py", title="Predicción", icon=":material/stethoscope:", default=True),
        st.Page("lote.py", title="Lote", icon=":material/table_view:"),
        st.Page("validar.py", title="Validar en mi hospital", icon=":material/fact_check:"),
        st.Page("datos.py", title="Datos", icon=":material/bar_chart:"),
        st.Page("modelo.py", title="Modelo", icon=":material/neurology:"),
    ]
)
page.run()
