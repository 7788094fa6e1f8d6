"""The documents' blocks about the model that ships and about checking it at a hospital, in Spanish.

Each renderer takes the reports it needs by name (``shipped``, ``nested``,
``quality``, ``hospitals``, ``hospital_check``: reports/<name>.json) and
returns Markdown; ``readme_table.py`` writes them into README.md and
docs/model_card.md. Like ``tables.py``, no number is typed here.
"""

from __future__ import annotations

from benchmarks.tables import hospital_range, markdown_table, with_interval
from heartnet.features import FEATURES, HOSPITALS
from heartnet.spanish import decimal, percent

__all__ = [
    "glance_table",
    "headline_list",
    "hospital_check_block",
    "inputs_table",
    "sample_size_table",
    "shipped_table",
]
AT_THRESHOLD = (("sensitivity", "sensibilidad"), ("specificity", "especificidad"), ("ppv", "VPP"), ("npv", "VPN"))


def _ci(value: float, low: float, high: float, digits: int = 3, sign: bool = False) -> str:
    low, high = decimal(low, digits, sign=sign), decimal(high, digits, sign=sign)
    return f"{decimal(value, digits, sign=sign)} [{low}, {high}]"


def _held(held: dict, key: str, digits: int = 3) -> str:
    """A held-out metric with its interval, stored as KEY, KEY_low and KEY_high."""
    return _ci(held[key], held[f"{key}_low"], held[f"{key}_high"], digits)


def _spread(summary: dict, digits: int = 3) -> str:
    return f"{decimal(summary['mean'], digits)} ± {decimal(summary['std'], digits)}"


def _span(loho: dict, metric: str) -> str:
    low, high = loho["range"][metric]
    return f"{decimal(loho['mean'][metric], 3)} (de {decimal(low, 3)} a {decimal(high, 3)})"


def headline_list(shipped: dict, nested: dict, hospitals: dict, quality: dict) -> str:
    """Five numbers a student can quote, each with its uncertainty and where it comes from."""
    loho = hospitals["models"]["heartnet"]
    held = shipped["held_out"]
    against = hospitals["goals"]["against"]
    logistic = against["logistic_regression"]["roc_auc"]["difference"]
    pooled = quality["models"]
    lines = [
        f"- **La cifra del proyecto: ROC AUC {with_interval(nested['roc_auc'])}**, log loss "
        f"{with_interval(nested['log_loss'])}, en un hospital que el modelo no vio, elección incluida (validación "
        f"anidada; según el hospital, {hospital_range(nested['roc_auc'])}; `reports/nested.json`).",
        f"- **Dejando un hospital afuera**, ROC AUC media {_span(loho, 'roc_auc')} según el hospital; frente a la "
        f"regresión logística, {_ci(logistic['mean'], logistic['low'], logistic['high'], sign=True)} "
        "(`reports/hospitals.json`).",
        f"- **Mezclando hospitales** (validación cruzada 5 × 5), ROC AUC {_spread(pooled['heartnet']['roc_auc'])} "
        f"(desvío entre las {len(quality['folds']) // len(pooled)} particiones); "
        f"CatBoost {_spread(pooled['catboost']['roc_auc'])} (`reports/quality.json`).",
        f"- **En el conjunto de prueba** ({shipped['rows']['held_out']} pacientes de los mismos hospitales), ROC AUC "
        f"{_held(held, 'roc_auc')}: la más optimista de todas (`reports/shipped.json`).",
        f"- **Al umbral del modelo** ({percent(held['threshold'], 0)}), en ese conjunto: sensibilidad "
        f"{_held(held, 'sensitivity', 2)} y valor predictivo negativo {_held(held, 'npv', 2)}.",
    ]
    return "\n".join(lines)


def glance_table(shipped: dict, nested: dict, hospitals: dict, quality: dict) -> str:
    """The ROC AUC and log loss of every validation, side by side: which one is the project's."""
    loho, pooled = hospitals["models"]["heartnet"], quality["models"]["heartnet"]
    held = shipped["held_out"]
    rows = [
        ["conjunto de prueba", f"{shipped['rows']['held_out']} pacientes", _held(held, "roc_auc"),
         decimal(held["log_loss"], 3)],
        ["validación cruzada 5 × 5, mezclando", f"{quality['cv']['rows']} pacientes", _spread(pooled["roc_auc"]),
         decimal(pooled["log_loss"]["mean"], 3)],
        ["dejando un hospital afuera", "media de 4 hospitales", _span(loho, "roc_auc"),
         decimal(loho["mean"]["log_loss"], 3)],
        ["**anidada, dejando un hospital afuera**", "elección incluida",
         f"**{with_interval(nested['roc_auc'])}** ({hospital_range(nested['roc_auc'])})",
         with_interval(nested["log_loss"])],
    ]  # fmt: skip
    intro = (
        "Las dos primeras validaciones miden en hospitales que el modelo vio; las dos últimas, en uno que no vio, "
        "y la anidada repite además, en cada vuelta, la elección de la configuración: es la cifra del proyecto. "
        "± es el desvío entre particiones; [ ], un intervalo del 95 %; ( ), de menor a mayor."
    )
    return "\n".join([intro, "", *markdown_table(["validación", "con", "ROC AUC", "log loss"], rows)])


def shipped_table(shipped: dict) -> str:
    """The deployed model's own facts: how it was made, with what, and how it did on its held-out rows."""
    held, params = shipped["held_out"], shipped["hyperparameters"]
    versions = ", ".join(f"{name} {version}" for name, version in shipped["model_versions"].items())
    facts = [
        ["comando", f"`{shipped['command']}`"],
        ["datos", f"{shipped['data']['rows']} pacientes (sha256 `{shipped['data']['sha256'][:12]}…`)"],
        ["filas", f"{shipped['rows']['training']} de entrenamiento, {shipped['rows']['held_out']} de prueba"],
        [
            "configuración",
            f"{params['members']} MLP de una capa de {params['units'][0]}, dropout {decimal(params['dropout'], 1)}, "
            f"{shipped['epochs_run']} épocas, lotes de {params['batch_size']}",
        ],
        ["umbral", percent(shipped["threshold"], 0)],
        ["prueba: ROC AUC", _held(held, "roc_auc")],
        ["prueba: Brier · log loss", f"{decimal(held['brier'], 3)} · {decimal(held['log_loss'], 3)}"],
        [
            "prueba: calibración",
            f"intercepto {_held(held, 'calibration_intercept', 2)}, pendiente {_held(held, 'calibration_slope', 2)}",
        ],
        ["prueba, al umbral", "; ".join(f"{label} {_held(held, key, 2)}" for key, label in AT_THRESHOLD)],
        ["versiones", versions],
        ["fecha y commit", f"{shipped['machine']['date'][:10]}, commit `{(shipped['source']['commit'] or '—')[:12]}`"],
        ["licencias", "código MIT; datos ODbL 1.0 (Kaggle, fedesoriano)"],
        ["contacto", "los *issues* del repositorio"],
    ]  # fmt: skip
    return "\n".join(markdown_table(["", "el modelo entregado"], facts))


def _lower_first(text: str) -> str:
    """A label inside a sentence: its first letter in lower case, acronyms (ST-T) kept."""
    return text[:1].lower() + text[1:]


def inputs_table(shipped: dict) -> str:
    """Each input: its unit, what the validator accepts, what the model saw in training, what its codes mean."""
    ranges = shipped["observed_ranges"]
    rows = []
    for feature in FEATURES:
        if feature.kind == "numeric":
            low, high = ranges[feature.name]
            accepted = f"{feature.min:g} a {feature.max:g}".replace(".", ",")
            accepted += " o «no medido»" if feature.nullable else ""
            seen = f"{low:g} a {high:g}".replace(".", ",")
            rows.append([f"`{feature.name}`", feature.label, feature.unit, accepted, seen])
        else:
            meanings = "; ".join(f"`{value}` {_lower_first(meaning)}" for value, meaning in feature.categories)
            rows.append([f"`{feature.name}`", feature.label, "—", meanings, "todas"])
    header = ["variable", "qué es", "unidad", "acepta el validador", "vio el modelo al entrenarse"]
    note = (
        "Un valor aceptado pero fuera de lo que vio el modelo se predice con un aviso (la predicción extrapola). "
        "Los pacientes sin dolor de pecho (`ASY`, asintomáticos) son, en estos datos, el grupo con más enfermedad "
        "(`data/README.md`): fueron derivados a estudio por otros motivos."
    )
    return "\n".join([*markdown_table(header, rows), "", note])  # fmt: skip


def sample_size_table(hospitals: dict) -> str:
    """How many local patients a check needs, for hospitals like each of the four (pmvalsampsize)."""
    names = dict(HOSPITALS)
    rows = []
    for hospital, needed in hospitals["sample_size"].items():
        criteria = needed["by_criterion"]
        rows.append(
            [
                names.get(hospital, hospital),
                percent(needed["prevalence"], 0),
                decimal(needed["c_statistic"], 2),
                str(criteria["calibration_in_the_large"]),
                str(criteria["calibration_slope"]),
                str(criteria["c_statistic"]),
                f"**{needed['patients']}**",
            ]
        )
    widths = next(iter(hospitals["sample_size"].values()))["widths"]
    intro = (
        "¿Cuántos pacientes propios hacen falta para evaluar el modelo? `pmvalsampsize` (Riley y otros, Stat Med "
        "2021) lo calcula con la tasa de enfermedad del hospital, la ROC AUC esperada y la dispersión de las "
        "predicciones; "
        f"aquí, para hospitales como cada uno de los cuatro (lo que el modelo dio dejándolo afuera), con intervalos "
        f"del 95 % de ± {decimal(widths['calibration_in_the_large'] / 2, 2)} para la razón observado/esperado, ± "
        f"{decimal(widths['calibration_slope'] / 2, 1)} para la pendiente de calibración y ± "
        f"{decimal(widths['c_statistic'] / 2, 2)} para la ROC AUC. `heartnet evaluate --data` y la página «Validar en "
        "mi hospital» hacen la misma cuenta con los pacientes de cada uno."
    )
    header = ["hospital como", "enfermos", "ROC AUC", "observado/esperado", "pendiente", "ROC AUC ±", "en total"]
    return "\n".join([intro, "", *markdown_table(header, rows)])


def hospital_check_block(check: dict) -> str:
    """The check at a hospital the model has not seen, as it ran: each command and what it printed.

    Shortened where marked «[…]»: training's own test-split report (only its first and last lines), the
    confusion matrices and accuracy (the rates beside them say the same), and each evaluation after the first
    its sample size and warnings again (``recalibrate``'s own warnings are kept).
    """
    blocks, evaluated = [], False
    for step in check["commands"]:
        lines = (step["stdout"] + step["stderr"]).rstrip().splitlines()
        if step["command"][1] == "train":
            lines = [lines[0], "[…]", lines[-1]]
        evaluates = step["command"][1] == "evaluate"
        again = ("sample size", "heartnet: warning") if evaluated and evaluates else ()
        evaluated |= evaluates
        kept = []
        for line in lines:
            elided = line.startswith(("confusion matrix", *again)) or (
                line.startswith("at threshold") and "accuracy" in line
            )
            elided |= bool(kept) and kept[-1] == "[…]" and line.strip().replace(" ", "").isdigit()  # a matrix row
            if not elided:
                kept.append(line)
            elif not kept or kept[-1] != "[…]":
                kept.append("[…]")
        blocks.append(f"$ {' '.join(step['command'])}\n" + "\n".join(kept))
    return "```console\n" + "\n".join(blocks) + "\n```"
