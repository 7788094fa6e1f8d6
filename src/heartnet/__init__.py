"""heartnet: coronary artery disease prediction with a Keras MLP whose preprocessing lives inside the model.

Quick start::

    import heartnet
    heartnet.predict_one({"Age": 54, "Sex": "M", "ChestPainType": "ASY", "RestingBP": 140,
                          "Cholesterol": None, "FastingBS": 0, "RestingECG": "Normal",
                          "MaxHR": 120, "ExerciseAngina": "Y", "Oldpeak": 1.5, "ST_Slope": "Flat"})

``import heartnet`` is light: each public name (listed once, in ``__init__.pyi``)
and each submodule is imported on first use, so TensorFlow, scikit-learn,
pandas and pyarrow load only when a name needs them and ``heartnet --help``
starts in a fraction of a second.
TensorFlow is imported through ``heartnet.backend``, which keeps its C++
start-up lines off the terminal.
"""

from __future__ import annotations

import importlib

import lazy_loader

# The public names, each imported from its module on first use (PEP 562), are listed once: in __init__.pyi.
_getattr, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)


def __getattr__(name: str):
    try:
        return _getattr(name)
    except AttributeError:
        pass
    if not name.startswith("_"):  # a submodule, e.g. heartnet.plots, imported on first use too
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
    raise AttributeError(f"module 'heartnet' has no attribute {name!r}")
