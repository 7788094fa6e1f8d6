"""heartnet's network as a scikit-learn classifier, so every scikit-learn tool applies to it.

``HeartnetClassifier`` follows scikit-learn's estimator API: ``__init__`` only
stores the hyper-parameters, ``fit(X, y)`` builds the Keras model
(``heartnet.model.build_model``), trains it with ``compile`` and ``fit``
(``heartnet.fitting.fit_model``) and sets ``model_``, ``history_``,
``best_epoch_`` and ``classes_``. ``X`` is a DataFrame (or a list of dicts)
of the 11 raw features, exactly as a patient file holds them: the model's own
preprocessing layers turn them into numbers. So ``clone``, ``cross_validate``,
``GridSearchCV``, ``CalibratedClassifierCV``, ``permutation_importance`` and
``TunedThresholdClassifierCV`` take it as they take any classifier.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from heartnet.decision import classify
from heartnet.errors import DataError
from heartnet.features import FEATURE_NAMES, MISSING
from heartnet.fitting import DEFAULT_FIT, SCHEDULES, best_epoch, fit_model
from heartnet.inference import predict
from heartnet.model import DEFAULT_HPARAMS, ENSEMBLES, build_model
from heartnet.numeric import SEED_RULE, is_real, is_seed, is_whole
from heartnet.ranges import observed_ranges
from heartnet.storage import TrainedModel
from heartnet.validation import check_labels, validate_rows

__all__ = ["HeartnetClassifier"]

SKLEARN_THRESHOLD = 0.5  # what predict means for any scikit-learn classifier: the more probable class


class HeartnetClassifier(ClassifierMixin, BaseEstimator):
    """An ensemble of small MLPs whose preprocessing lives inside the Keras model.

    Parameters
    ----------
    units : tuple of int
        Width of each hidden layer of every member MLP.
    dropout : float
        Dropout rate after each hidden layer (0 for none).
    members : int
        Number of member MLPs in the ensemble (their probabilities are averaged).
    ensemble : {"independent", "batch"}
        Every member with its own weights, or TabM's BatchEnsemble: shared
        weights with per-member scalings (``heartnet.layers.BatchEnsembleDense``).
    bins : int
        0 standardizes the numbers; more encodes each one piecewise-linearly
        in that many quantile bins (``heartnet.layers.PiecewiseLinearEncoding``).
    missing : {"indicator", "mean", "drop"}
        How a cholesterol that was not measured (NaN) enters the network: its
        encoding (0 when missing) plus a 0/1 "not measured" column; filled with
        the training mean before the encoding, no extra column; or the feature
        left out altogether (its input is accepted and ignored).
    learning_rate, epochs, batch_size : the optimizer's step size, the most epochs, rows per batch.
    weight_decay : float
        0 for Adam; more for AdamW with that decoupled weight decay.
    schedule : {"constant", "cosine"}
        The learning rate throughout, or decayed to 0 along a cosine over all the epochs.
    patience : int or None
        Epochs without a better validation log loss before early stopping;
        None trains every row for all ``epochs`` (no early stopping).
    validation_size : float
        Share of the training rows held out (stratified) for early stopping.
    random_state : int, numpy.random.RandomState or None
        Seeds weights, shuffling, dropout and the validation split. An int
        makes ``fit`` reproducible; None or a ``RandomState`` draws the seed
        from NumPy (scikit-learn's convention: not reproducible unless the
        generator is seeded). The seed reaches every draw by itself (initial
        weights, dropout, shuffling, the validation split): with an int or a
        ``RandomState``, ``fit`` leaves Python's, NumPy's and TensorFlow's
        global generators as it found them; None, as in scikit-learn, takes
        its one draw from NumPy's global generator.
    verbose : int
        Passed to Keras's ``fit``.

    Attributes
    ----------
    model_ : keras.Model
        Raw rows (a dict of named inputs) in, probability of coronary artery disease out.
    history_ : keras.callbacks.History
        What ``fit`` returned: ``history_.history`` holds ``loss`` (mean of the
        members' cross-entropies), ``probability_log_loss`` and
        ``probability_auc`` (the ensemble's), and their ``val_`` twins.
    best_epoch_ : int
        The epoch (from 1) whose weights were restored.
    seed_ : int
        The seed ``fit`` used (``random_state`` itself when it is an int).
    classes_ : ndarray
        ``[0, 1]``: no coronary artery disease, coronary artery disease.
    threshold_ : float or None
        The saved model's decision threshold for a classifier made by
        ``from_trained`` (``predict`` uses it); None after ``fit`` (0.5).
    metadata_ : dict
        The saved model's metadata (``from_trained``); empty after ``fit``.
    observed_ranges_ : dict or None
        ``{feature: [lowest, highest]}`` of each number in the training rows:
        ``predict`` warns (``heartnet.OutOfRangeWarning``) outside them. From
        the metadata for ``from_trained`` (None if it records none).
    """

    def __init__(
        self,
        *,
        units: tuple[int, ...] = DEFAULT_HPARAMS["units"],
        dropout: float = DEFAULT_HPARAMS["dropout"],
        members: int = DEFAULT_HPARAMS["members"],
        ensemble: str = DEFAULT_HPARAMS["ensemble"],
        bins: int = DEFAULT_HPARAMS["bins"],
        missing: str = DEFAULT_HPARAMS["missing"],
        learning_rate: float = DEFAULT_FIT["learning_rate"],
        weight_decay: float = DEFAULT_FIT["weight_decay"],
        schedule: str = DEFAULT_FIT["schedule"],
        epochs: int = DEFAULT_FIT["epochs"],
        batch_size: int = DEFAULT_FIT["batch_size"],
        patience: int | None = DEFAULT_FIT["patience"],
        validation_size: float = DEFAULT_FIT["validation_size"],
        random_state: int | np.random.RandomState | None = 0,
        verbose: int = 0,
    ):
        self.units = units
        self.dropout = dropout
        self.members = members
        self.ensemble = ensemble
        self.bins = bins
        self.missing = missing
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.schedule = schedule
        self.epochs = epochs
        self.batch_size = batch_size
        self.patience = patience
        self.validation_size = validation_size
        self.random_state = random_state
        self.verbose = verbose

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True  # a cholesterol that was not measured
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.classifier_tags.multi_class = False
        return tags

    def fit(self, X, y) -> HeartnetClassifier:
        """Build and train the model on raw rows ``X`` (the 11 features) and 0/1 labels ``y``."""
        self._check_params()
        features = validate_rows(_rows(X))
        labels = check_labels(y)
        if len(labels) != len(features):
            raise DataError(f"X has {len(features)} rows but y has {len(labels)} labels")
        self.seed_ = self._seed()
        params = self.get_params()
        self.model_ = build_model(features, seed=self.seed_, **{name: params[name] for name in DEFAULT_HPARAMS})
        self.history_ = fit_model(
            self.model_, features, labels, seed=self.seed_, verbose=self.verbose, **{n: params[n] for n in DEFAULT_FIT}
        )
        self.best_epoch_ = best_epoch(self.history_)
        self._set_fitted_attributes()
        self.observed_ranges_ = observed_ranges(features)
        return self

    def predict_proba(self, X) -> np.ndarray:
        """``(n, 2)``: the probability of no coronary artery disease and of coronary artery disease, per row.

        A valid value outside the range the classifier was trained on
        (``observed_ranges_``) warns, as ``heartnet.predict`` does: one
        ``heartnet.OutOfRangeWarning`` per field, with how many rows.
        """
        check_is_fitted(self, "model_")
        probability = predict(_rows(X), self)  # the classifier itself, so that its observed_ranges_ warn
        return np.column_stack([1.0 - probability, probability])

    def predict(self, X) -> np.ndarray:
        """0/1 classes: at the saved model's threshold for a classifier made by ``from_trained``, else at 0.5.

        A fitted classifier follows scikit-learn's convention (the more
        probable class), so that accuracy and F1 compare with any other
        classifier's (tune it with ``TunedThresholdClassifierCV``). One made
        from a saved model carries that model's threshold (``threshold_``,
        from a stated harm-to-benefit ratio unless another was saved) and uses it.
        """
        threshold = SKLEARN_THRESHOLD if self.threshold_ is None else self.threshold_
        return self.classes_[classify(self.predict_proba(X)[:, 1], threshold)]

    @classmethod
    def from_trained(cls, trained: TrainedModel) -> HeartnetClassifier:
        """A fitted classifier around a loaded model (``heartnet.load()``), for scikit-learn's tools.

        Its hyper-parameters are the ones its training record names
        (``trained.hyperparameters``: one absent from an older record is what
        it was then); ``best_epoch_`` and ``seed_`` are the record's (None
        without one); ``threshold_`` and ``metadata_`` are the saved model's,
        and ``predict`` uses that threshold; ``history_`` is None (the History
        of a past run is not saved).
        """
        known = cls().get_params()
        estimator = cls(**{name: value for name, value in trained.hyperparameters.items() if name in known})
        estimator.model_, estimator.history_ = trained.model, None
        record = trained.record
        estimator.best_epoch_, estimator.seed_ = (None, None) if record is None else (record.best_epoch, record.seed)
        estimator._set_fitted_attributes()
        estimator.threshold_, estimator.metadata_ = trained.threshold, dict(trained.metadata)
        estimator.observed_ranges_ = trained.observed_ranges
        return estimator

    def _seed(self) -> int:
        """An int ``random_state`` as it is; otherwise a seed drawn from NumPy (None) or from the given generator."""
        if isinstance(self.random_state, numbers.Integral):
            return int(self.random_state)
        return int(check_random_state(self.random_state).randint(2**31 - 1))

    def _set_fitted_attributes(self) -> None:
        self.threshold_, self.metadata_ = None, {}  # from_trained sets the saved model's
        self.classes_ = np.array([0, 1])
        self.n_features_in_ = len(FEATURE_NAMES)
        self.feature_names_in_ = np.array(FEATURE_NAMES, dtype=object)

    def _check_params(self) -> None:
        """A ValueError naming the hyper-parameter, the value and what is allowed (before any training)."""

        problems = []
        units = self.units
        if not (isinstance(units, (tuple, list)) and units and all(is_whole(width, 1) for width in units)):
            problems.append(f"units must be a non-empty tuple of positive whole numbers, got {self.units!r}")
        for name, low in (("members", 1), ("bins", 0), ("epochs", 1), ("batch_size", 1), ("patience", 0)):
            value = getattr(self, name)
            if not is_whole(value, low) and not (name == "patience" and value is None):
                problems.append(f"{name} must be a whole number >= {low}, got {value!r}")
        for name, allowed in (("ensemble", ENSEMBLES), ("missing", MISSING), ("schedule", SCHEDULES)):
            if getattr(self, name) not in allowed:
                problems.append(f"{name} must be one of {', '.join(map(repr, allowed))}, got {getattr(self, name)!r}")
        ranges = {  # name: (lowest, highest, whether the lowest itself is allowed)
            "dropout": (0.0, 1.0, True),
            "validation_size": (0.0, 1.0, False),
            "learning_rate": (0.0, 10.0, False),
            "weight_decay": (0.0, 10.0, True),  # AdamW decays by rate × weight_decay a step
        }
        for name, (low, high, closed) in ranges.items():
            value = getattr(self, name)
            if not (is_real(value) and (low <= value if closed else low < value) and value < high):
                problems.append(f"{name} must be a number in {'[' if closed else '('}{low:g}, {high:g}), got {value!r}")
        seed = self.random_state
        if not (seed is None or isinstance(seed, np.random.RandomState) or is_seed(seed)):
            problems.append(f"random_state must be {SEED_RULE}, a RandomState or None, got {seed!r}")
        if problems:
            raise ValueError("; ".join(problems))


def _rows(X) -> pd.DataFrame | list:
    """X as heartnet's validators take it: a DataFrame (the target column, if present, is ignored) or a list."""
    if isinstance(X, (pd.DataFrame, list)):
        return X
    raise TypeError(
        f"X must be a pandas DataFrame (or a list of dicts) with the columns {', '.join(FEATURE_NAMES)}; "
        f"got {type(X).__name__}"
    )
