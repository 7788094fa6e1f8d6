# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE := {"Age": 54, "Sex": "M", "ChestPainType": "ASY", "RestingBP": 140, "Cholesterol": null, "FastingBS": 0, "RestingECG": "Normal", "MaxHR": 120, "ExerciseAngina": "Y", "Oldpeak": 1.5, "ST_Slope": "Flat"}

.PHONY: run test pins install data train search bench app notebook screenshot chromium lint format clean

run: models/heartnet.keras ## set up, get the data, train if needed, predict one patient, execute both notebooks
	$(BIN)/heartnet predict '$(EXAMPLE)'
	$(BIN)/python tools/execute_notebook.py notebook.ipynb
	$(BIN)/python tools/execute_notebook.py notebooks/avanzado.ipynb

test: $(STAMP) chromium ## set up, lint, and run every test but `make pins`
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2  # two processes (pytest-xdist), each training the test model once: CI has 2 cores

# Left out of `make test`: it asks the package index (PyPI) and takes 30-55 s. CI runs it when requirements.txt changes.
pins: $(STAMP) ## does requirements.txt resolve to wheels on Linux, macOS and Windows? (three pip dry runs, no install)
	$(BIN)/python -m pytest -m pins tests/code/test_platforms.py

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-compile -r requirements.txt
	# pip byte-compiles one file at a time; compileall uses every core (a fresh install: 112 s -> 64 s here)
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

data: data/heart.csv

data/heart.csv: | $(STAMP)
	$(BIN)/heartnet data

train: models/heartnet.keras

models/heartnet.keras: data/heart.csv | $(STAMP)
	$(BIN)/heartnet train

app: models/heartnet.keras ## serve the Streamlit app on http://127.0.0.1:8501 (settings: .streamlit/config.toml)
	$(BIN)/python -m heartnet.app

# JupyterLab runs from .venv, and the kernel spec "python3" is written into .venv: a Jupyter in a venv looks
# there first, so a "python3" kernel installed for the user or the system cannot stand in for the project's
# Python. Its display name is the one both notebooks record (a test checks). JupyterLab refuses root unless told (containers).
KERNEL := $(VENV)/share/jupyter/kernels/python3/kernel.json

notebook: $(KERNEL) ## open notebook.ipynb in JupyterLab on http://127.0.0.1:8888 with the .venv kernel (Ctrl+C stops it)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 $(if $(filter 0,$(shell id -u)),--allow-root) notebook.ipynb

$(KERNEL): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3"

screenshot: models/heartnet.keras chromium ## refresh docs/app.png (the app in headless Chromium)
	$(BIN)/python tools/screenshot.py docs/app.png

# The browser test drives Debian's Chromium; install it when missing and apt is usable (as root).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing and apt unavailable: the browser test will be skipped"; fi; }

search: $(STAMP) ## the nested leave-one-hospital-out search that chooses the default model, and its interval -> reports/selection.json, nested.json
	$(BIN)/python -m benchmarks.selection
	$(BIN)/python -m benchmarks.nested
	$(BIN)/python -m benchmarks.readme_table

bench: models/heartnet.keras ## every benchmark but the search -> reports/*.json and the documents' tables
	$(BIN)/python -m benchmarks.quality
	$(BIN)/python -m benchmarks.hospitals
	$(BIN)/python -m benchmarks.shipped
	$(BIN)/python -m benchmarks.hospital_check
	$(BIN)/python -m benchmarks.speed
	$(BIN)/python -m benchmarks.scoring
	$(BIN)/python -m benchmarks.nested
	$(BIN)/python -m benchmarks.readme_table

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf models data/heart.csv .pytest_cache
