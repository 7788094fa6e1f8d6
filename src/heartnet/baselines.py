"""The models heartnet is compared with: scikit-learn pipelines and CatBoost, built from the feature spec.

- The scikit-learn baselines are pipelines whose ``ColumnTransformer`` mirrors
  the model's preprocessing layers with standardized numbers (``bins=0``):
  one-hot categories with the spec's vocabulary, and a cholesterol that was
  not measured handled as the shipped model handles it (``missing``: filled
  with the training mean by default, as ``HeartnetClassifier`` does).
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

from heartnet.features import FEATURES, MISSING

__all__ = ["CATBOOST_MISSING", "baseline_preprocessor", "baselines", "catboost", "logistic_regression"]

CATBOOST_MISSING = ("nan", "mean", "drop")  # how CatBoost gets a nullable number: see catboost()


def baseline_preprocessor(missing: str = MISSING[0]) -> ColumnTransformer:
    """The scikit-learn mirror of the model's preprocessing layers, built from the spec.

    Numbers standardized, one-hot categories with the spec's vocabulary, and
    a nullable number (cholesterol) as ``missing`` says (``features.MISSING``):
    ``"mean"`` fills it with the training mean (0 after scaling), ``"indicator"``
    fills it and adds a 0/1 "not measured" column, ``"drop"`` leaves it out.
    The matrix of ``build_model(bins=0, missing=missing)``; the shipped model
    may encode the numbers piecewise-linearly instead, so the comparison can
    differ in that encoding too.
    """
    if missing not in MISSING:
        raise ValueError(f"missing must be one of {', '.join(map(repr, MISSING))}; got {missing!r}")
    numeric = [f.name for f in FEATURES if f.kind == "numeric" and not (f.nullable and missing == "drop")]
    nullable = [f.name for f in FEATURES if f.nullable]
    categorical = [f for f in FEATURES if f.kind != "numeric"]
    steps = [("numeric", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric)]
    if missing == "indicator":  # 0/1, not standardized: the model's MissingIndicator column
        steps.append(("missing", MissingIndicator(features="all"), nullable))
    vocabulary = [list(f.values) for f in categorical]
    steps.append(
        ("onehot", OneHotEncoder(categories=vocabulary, handle_unknown="error"), [f.name for f in categorical])
    )
    return ColumnTransformer(steps)


def logistic_regression(missing: str = MISSING[0]) -> Pipeline:
    """Plain logistic regression (scikit-learn's defaults: L2, C = 1) on ``baseline_preprocessor(missing)``."""
    return make_pipeline(baseline_preprocessor(missing), LogisticRegression(max_iter=1000))


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
        "random_forest": RandomForestClassifier(n_estimators=500, random_state=seed, n_jobs=-1),
        "hist_gradient_boosting": HistGradientBoostingClassifier(random_state=seed),
        # SVC(probability=True) is deprecated since scikit-learn 1.9; this is its documented replacement.
        "svc": CalibratedClassifierCV(SVC(random_state=seed), ensemble=False),
    }
    return {"catboost": catboost(seed), "logistic_regression": logistic_regression()} | {
        name: make_pipeline(baseline_preprocessor(), estimator) for name, estimator in estimators.items()
    }
