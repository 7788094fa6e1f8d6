"""heartnet: the web app. Run with `make app` (or `streamlit run src/heartnet/app/main.py`)."""

import streamlit as st

st.set_page_config(page_title="heartnet: riesgo de enfermedad cardíaca", page_icon="❤️", layout="wide")
page = st.navigation(
    [
        st.Page("prediccion.py", title="Predicción", icon="🩺", default=True),
        st.Page("lote.py", title="Lote", icon="📄"),
        st.Page("datos.py", title="Datos", icon="📊"),
        st.Page("modelo.py", title="Modelo", icon="🧠"),
    ]
)
page.run()
