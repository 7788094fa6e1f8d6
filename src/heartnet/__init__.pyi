# The public API, written once: `heartnet/__init__.py` reads this stub (lazy_loader.attach_stub) to import each
# name from its module on first use, and type checkers and IDEs read it as the package's interface.

from .data import DATASET_SHA256 as DATASET_SHA256
from .data import KAGGLE_URL as KAGGLE_URL
from .data import fetch_dataset as fetch_dataset
from .data import load_dataset as load_dataset
from .decision import DEFAULT_THRESHOLD as DEFAULT_THRESHOLD
from .decision import classify as classify
from .errors import ChecksumError as ChecksumError
from .errors import DataError as DataError
from .errors import HeartnetError as HeartnetError
from .errors import ModelError as ModelError
from .errors import ValidationError as ValidationError
from .estimator import HeartnetClassifier as HeartnetClassifier
from .evaluate import classification_metrics as classification_metrics
from .features import FEATURE_NAMES as FEATURE_NAMES
from .features import FEATURES as FEATURES
from .features import TARGET as TARGET
from .features import Feature as Feature
from .inference import default_model as default_model
from .inference import predict as predict
from .inference import predict_one as predict_one
from .model import build_model as build_model
from .ranges import OutOfRangeWarning as OutOfRangeWarning
from .splits import holdout_split as holdout_split
from .storage import TrainedModel as TrainedModel
from .storage import load as load
from .storage import load_metadata as load_metadata
from .storage import load_model as load_model
from .storage import save_model as save_model
from .training import train as train
from .updating import recalibrate as recalibrate
from .validation import validate_row as validate_row
from .validation import validate_rows as validate_rows
