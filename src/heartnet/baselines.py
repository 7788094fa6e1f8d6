"""The models heartnet is compared with: scikit-learn pipelines and CatBoost, built from the feature spec.

- The scikit-learn baselines are pipelines whose ``ColumnTransformer`` mirrors
  the model's preprocessing layers with standardized numbers (``bins=0``): a
  missing-value indicator, one-hot categories with the spec's vocabulary. The
  shipped model encodes numbers piecewise-linearly instead, so part of a
  difference may be that encoding's, not the network's.
- CatBoost is what a practitioner tries first on a table like this one: its
  default hyper-parameters, the categorical columns given to it as they are
  (its own target statistics encode them), a cholesterol that was not
  measured left missing (NaN) by default, silent and writing no files.

Every baseline takes the raw feature frame (``load_dataset()[FEATURE_NAMES]``),
as ``HeartnetClassifier`` does, so the same ``cross_validate`` call serves all.
"""

from __future__ import annotations

from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

from heartnet.features import FEATURES

__all__ = ["CATBOOST_MISSING", "baseline_preprocessor", "baselines", "catboost"]

CATBOOST_MISSING = ("nan", "mean", "drop")  # how CatBoost gets a nullable number: see catboost()


def baseline_preprocessor() -> ColumnTransformer:
    """The scikit-learn mirror of the model's preprocessing layers, built from the spec.

    Numbers standardized (missing values filled with the training mean, i.e. 0
    after scaling), a missing indicator for each nullable feature, and one-hot
    categories with the spec's vocabulary: the matrix of ``build_model(bins=0)``.
    The shipped model encodes the numbers piecewise-linearly instead
    (``bins=4``), so the comparison differs in that encoding too.
    """
    numeric = [f.name for f in FEATURES if f.kind == "numeric"]
    nullable = [f.name for f in FEATURES if f.nullable]
    categorical = [f for f in FEATURES if f.kind != "numeric"]
    return ColumnTransformer(
        [
            ("numeric", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
            ("missing", MissingIndicator(features="all"), nullable),
            (
                "onehot",
                OneHotEncoder(categories=[list(f.values) for f in categorical], handle_unknown="error"),
                [f.name for f in categorical],
            ),
        ]
    )


def catboost(seed: int = 0, missing: str = "nan"):
    """``CatBoostClassifier`` with its default hyper-parameters and native categorical features.

    ``missing`` says what becomes of a nullable number (a cholesterol not
    measured): ``"nan"`` gives CatBoost the NaN (its own missing handling),
    ``"mean"`` fills it with the training mean first and ``"drop"`` leaves the
    column out; both through a ``ColumnTransformer`` ahead of CatBoost that
    passes the other columns through, by name, in a DataFrame.

    The categorical columns go as a tuple: CatBoost 1.2.10 copies list
    parameters, which breaks ``sklearn.base.clone``'s identity check
    (catboost issue #3078); an immutable tuple survives the copy.
    """
    from catboost import CatBoostClassifier

    if missing not in CATBOOST_MISSING:
        raise ValueError(f"missing must be one of {', '.join(map(repr, CATBOOST_MISSING))}; got {missing!r}")
    categorical = tuple(f.name for f in FEATURES if f.kind == "categorical")
    model = CatBoostClassifier(cat_features=categorical, random_seed=seed, verbose=False, allow_writing_files=False)
    if missing == "nan":
        return model
    nullable = [f.name for f in FEATURES if f.nullable]
    step = SimpleImputer(strategy="mean") if missing == "mean" else "drop"
    columns = ColumnTransformer(
        [(missing, step, nullable)], remainder="passthrough", verbose_feature_names_out=False
    ).set_output(transform="pandas")
    return Pipeline([("columns", columns), ("catboost", model)])


def baselines(seed: int = 0) -> dict:
    """Seeded baselines that take the raw feature frame: CatBoost, then the scikit-learn pipelines."""
    estimators = {
        "logistic_regression": LogisticRegression(max_iter=1000),
        "random_forest": RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=-1),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
        # SVC(probability=True) is deprecated since scikit-learn 1.9; this is its documented replacement.
        "svc": CalibratedClassifierCV(SVC(random_state=seed), ensemble=False),
    }
    return {"catboost": catboost(seed)} | {
        name: make_pipeline(baseline_preprocessor(), estimator) for name, estimator in estimators.items()
    }
