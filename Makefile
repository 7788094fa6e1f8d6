# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
EXAMPLE := {"Age": 54, "Sex": "M", "ChestPainType": "ASY", "RestingBP": 140, "Cholesterol": null, "FastingBS": 0, "RestingECG": "Normal", "MaxHR": 120, "ExerciseAngina": "Y", "Oldpeak": 1.5, "ST_Slope": "Flat"}

.PHONY: run test install data train bench lint format clean

run: models/heartnet.keras ## set up, get the data, train if needed, predict one patient, execute the notebook
	$(BIN)/heartnet predict '$(EXAMPLE)'
	@if [ -f notebook.ipynb ]; then $(BIN)/python -m heartnet.notebook notebook.ipynb; fi

test: $(STAMP) ## set up, lint, and run every test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

install: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

data: data/heart.csv

data/heart.csv: | $(STAMP)
	$(BIN)/heartnet data

train: models/heartnet.keras

models/heartnet.keras: data/heart.csv | $(STAMP)
	$(BIN)/heartnet train

bench: $(STAMP) ## quality and speed benchmarks -> reports/*.json and the README's tables (about 10 minutes)
	$(BIN)/python benchmarks/quality.py
	$(BIN)/python benchmarks/speed.py
	$(BIN)/python benchmarks/readme_table.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf models data/heart.csv .pytest_cache
