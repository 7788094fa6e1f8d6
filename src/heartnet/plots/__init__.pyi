# The figures, listed once: plots/__init__.py reads this stub (lazy_loader.attach_stub) to import each on first use.

from . import diagrams as diagrams
from .data import categorical_positive_rates as categorical_positive_rates
from .data import class_balance as class_balance
from .data import correlations as correlations
from .data import encoded_matrix as encoded_matrix
from .data import missing_cholesterol as missing_cholesterol
from .data import numeric_distributions as numeric_distributions
from .evaluation import calibration as calibration
from .evaluation import calibration_by_hospital as calibration_by_hospital
from .evaluation import confusion_matrix as confusion_matrix
from .evaluation import decision_curve as decision_curve
from .evaluation import decision_curves_by_hospital as decision_curves_by_hospital
from .evaluation import grouped_bars as grouped_bars
from .evaluation import patient_probabilities as patient_probabilities
from .evaluation import probability_histogram as probability_histogram
from .evaluation import recalibration_by_sample_size as recalibration_by_sample_size
from .evaluation import risk_gauge as risk_gauge
from .evaluation import roc_and_precision_recall as roc_and_precision_recall
from .explanations import shapley_importance as shapley_importance
from .explanations import shapley_summary as shapley_summary
from .explanations import shapley_waterfall as shapley_waterfall
from .training import history_curves as history_curves
from .training import layer_spread as layer_spread
from .training import training_curves as training_curves
