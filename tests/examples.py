"""Example inputs the tests share."""

import numpy as np

# A valid patient, written as a user would (the ``patient`` fixture gives a fresh copy).
PATIENT = {
    "Age": 54,
    "Sex": "M",
    "ChestPainType": "ASY",
    "RestingBP": 140,
    "Cholesterol": 239,
    "FastingBS": 0,
    "RestingECG": "Normal",
    "MaxHR": 120,
    "ExerciseAngina": "Y",
    "Oldpeak": 1.5,
    "ST_Slope": "Flat",
}

# The notebook's patient whose prediction it explains: a cholesterol that was not measured.
NOT_MEASURED_PATIENT = {
    "Age": 61,
    "Sex": "F",
    "ChestPainType": "ASY",
    "RestingBP": 130,
    "Cholesterol": None,
    "FastingBS": 0,
    "RestingECG": "Normal",
    "MaxHR": 150,
    "ExerciseAngina": "N",
    "Oldpeak": 0.8,
    "ST_Slope": "Flat",
}


def simulated(n: int, *, seed: int = 0, slope: float = 1.0, shift: float = 0.0):
    """Outcomes drawn from true risks p; a model's risks: logit(p) scaled by ``slope``, moved by ``shift``."""
    rng = np.random.default_rng(seed)
    logit = rng.normal(0, 1.5, n)
    y = rng.random(n) < 1 / (1 + np.exp(-logit))
    return y.astype(int), 1 / (1 + np.exp(-(slope * logit + shift)))
