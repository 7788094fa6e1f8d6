"""Figures shared by the notebook and the app: each function takes data and returns a Figure.

By topic: ``data`` (exploration, and how a row becomes the matrix),
``training`` (learning curves and a signal layer by layer), ``evaluation``
(ranking, calibration, decisions, comparisons, a patient's risk),
``explanations`` (Shapley values) and ``diagrams`` (the architecture, drawn
with pip packages only). Every figure is also a name of this package
(``plots.calibration``), listed once in ``__init__.pyi`` and imported on first
use.

Figures are built with ``matplotlib.figure.Figure`` (not pyplot), so they hold
no global state: a notebook displays the returned object once, and the app
can render them from several sessions at once. Titles and labels are in
Spanish, with units from the feature spec.
"""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
