"""The Streamlit app (in Spanish): ``make app`` or ``streamlit run src/heartnet/app/main.py``."""
