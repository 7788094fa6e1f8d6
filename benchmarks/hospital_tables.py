"""reports/hospitals.json as Spanish Markdown tables: the model card's evaluation by hospital.

The blocks ``readme_table.py`` writes into docs/model_card.md and data/README.md: each hospital's data, the
leave-one-hospital-out results, the rates at the threshold, sex, the cholesterol handlings, recalibration
and decision curves.
"""

from __future__ import annotations

from benchmarks.tables import markdown_table
from heartnet.features import HOSPITALS, SEX
from heartnet.spanish import MODEL_NAMES, UPDATE_NAMES, decimal, maybe_decimal, percent

__all__ = [
    "all_tables",
    "cholesterol_table",
    "decision_table",
    "goals_text",
    "hospitals_data_table",
    "hospitals_table",
    "per_hospital_table",
    "pooled_table",
    "recalibration_table",
    "sex_table",
    "threshold_table",
]


def _hospital_name(name: str) -> str:
    return dict(HOSPITALS).get(name, name)


def _interval(low, high, digits: int = 3, *, sign: bool = False) -> str:
    if low is None or high is None:
        return "—"
    return f"[{decimal(low, digits, sign=sign)}, {decimal(high, digits, sign=sign)}]"


def hospitals_data_table(report: dict) -> str:
    """The hospitals of the data: patients, disease rate, unmeasured cholesterol, women (reports/hospitals.json)."""
    rows = [
        [
            _hospital_name(h["hospital"]),
            str(h["n"]),
            percent(h["prevalence"], 0),
            percent(h["cholesterol_not_measured"], 0),
            str(h["women"]),
        ]
        for h in report["hospitals"]
    ]
    return "\n".join(
        markdown_table(["hospital", "pacientes", "con enfermedad", "colesterol no medido", "mujeres"], rows)
    )


def hospitals_table(report: dict) -> str:
    """Leave one hospital out for every model, per hospital for heartnet and CatBoost, pooled against within."""
    lines = [
        "Validación por hospital (*leave one hospital out*): cada modelo se entrena con tres hospitales y predice "
        "el cuarto, que nunca vio (`benchmarks/hospitals.py`). Media de los cuatro hospitales y, entre corchetes, "
        "el menor y el mayor valor de los cuatro; la pendiente de calibración más baja de los cuatro (1 es lo "
        "ideal).",
        "",
    ]
    rows = []
    for name, entry in sorted(report["models"].items(), key=lambda item: item[1]["mean"]["log_loss"]):
        label = f"**{MODEL_NAMES.get(name, name)}**" if name == "heartnet" else MODEL_NAMES.get(name, name)
        cells = []
        for metric in ("roc_auc", "brier", "log_loss"):
            low, high = entry["range"][metric]
            cells.append(f"{decimal(entry['mean'][metric], 3)} {_interval(low, high)}")
        rows.append([label, *cells, decimal(entry["lowest_calibration_slope"], 2)])
    lines += markdown_table(["modelo", "ROC AUC", "Brier ↓", "log loss ↓", "pendiente mínima"], rows)
    for name in ("heartnet", "catboost", "logistic_regression"):
        if name in report["models"]:
            lines += [
                "",
                f"{MODEL_NAMES.get(name, name)}, hospital por hospital:",
                "",
                per_hospital_table(report, name),
            ]
    lines += ["", pooled_table(report)]
    if "cholesterol" in report:
        lines += ["", cholesterol_table(report)]
    if "goals" in report:
        lines += ["", goals_text(report)]
    return "\n".join(lines)


_METRIC_NAMES = {"roc_auc": "ROC AUC", "brier": "Brier", "log_loss": "log loss"}


def goals_text(report: dict) -> str:
    """The leave-one-hospital-out goals in Spanish: heartnet against every baseline, and the moonshot, as measured."""
    goals = report["goals"]
    verdict = {True: "se cumple", False: "no se cumple"}
    behind = [
        f"{MODEL_NAMES.get(name, name)} en {_METRIC_NAMES[metric]} ({decimal(entry['heartnet'], 3)} frente a "
        f"{decimal(entry['baseline'], 3)}; diferencia {decimal(entry['difference']['mean'], 3, sign=True)}, IC 95 % "
        f"{_interval(entry['difference']['low'], entry['difference']['high'], sign=True)})"
        for name, metrics in goals["against"].items()
        for metric, entry in metrics.items()
        if not entry["met"]
    ]
    ahead = (
        "heartnet queda al nivel o por delante de todos en ROC AUC, Brier y log loss: se cumple."
        if goals["ahead_of_every_baseline"]
        else "heartnet al nivel o por delante de todos en ROC AUC, Brier y log loss: no se cumple; queda detrás de "
        + "; ".join(behind)
        + " (diferencia heartnet − modelo, intervalo *bootstrap* pareado sobre los pacientes de cada hospital)."
    )
    moon = goals["moonshot"]
    goal, measured = moon["goal"], moon["measured"]
    far = (
        f"Meta lejana: ROC AUC media ≥ {decimal(goal['roc_auc'], 2)} (medida {decimal(measured['roc_auc'], 3)}), "
        f"log loss media ≤ {decimal(goal['log_loss'], 2)} (medida {decimal(measured['log_loss'], 3)}) y ninguna "
        f"pendiente de calibración por debajo de {decimal(goal['lowest_calibration_slope'], 1)} (la más baja: "
        f"{decimal(measured['lowest_calibration_slope'], 2)}): {verdict[moon['met']]}."
    )
    return f"Metas (media de los hospitales dejados afuera): {ahead} {far}"


def threshold_table(report: dict) -> str:
    """heartnet at the saved threshold: sensitivity, specificity, PPV and NPV with Wilson intervals, per view."""
    threshold = report["decision_curves"]["threshold"] if "decision_curves" in report else None
    held_out = report["models"]["heartnet"]["at_threshold"]
    views = [(f"{_hospital_name(h['hospital'])} (dejado afuera)", h) for h in held_out["per_hospital"]]
    views += [("los cuatro dejados afuera, juntos", held_out["together"])]
    if "at_threshold" in report["pooled"].get("heartnet", {}):
        views += [("mezclando hospitales (5 pliegues)", report["pooled"]["heartnet"]["at_threshold"])]

    def rate(entry: dict, name: str) -> str:
        return f"{maybe_decimal(entry[name], 2)} {_interval(entry[name + '_low'], entry[name + '_high'], 2)}"

    rows = [
        [label, str(sum(entry["confusion_matrix"].values()))]
        + [rate(entry, name) for name in ("sensitivity", "specificity", "ppv", "npv")]
        for label, entry in views
    ]
    shown = percent(held_out["together"]["threshold"], 0) if threshold is None else percent(threshold, 0)
    intro = (
        f"heartnet al umbral que guarda el modelo ({shown}), con intervalos de Wilson del 95 %: la sensibilidad es "
        "la parte de los enfermos que el modelo marca; la especificidad, la de los sanos que deja pasar; el valor "
        "predictivo positivo (VPP), cuántos de los marcados están enfermos; el negativo (VPN), cuántos de los no "
        "marcados están sanos. Mezclando hospitales, la validación usa la primera repetición, en la que cada "
        "paciente se predice una vez."
    )
    header = ["validación", "pacientes", "sensibilidad", "especificidad", "VPP", "VPN"]
    return "\n".join([intro, "", *markdown_table(header, rows)])


def per_hospital_table(report: dict, name: str) -> str:
    """One model's metrics on each held-out hospital, with the ROC AUC's interval and the calibration."""
    rows = [
        [
            _hospital_name(h["hospital"]),
            str(h["n"]),
            percent(h["prevalence"], 0),
            percent(h["mean_predicted"], 0),
            f"{maybe_decimal(h['roc_auc'], 3)} {_interval(h.get('roc_auc_low'), h.get('roc_auc_high'))}",
            maybe_decimal(h["brier"], 3),
            maybe_decimal(h["log_loss"], 3),
            maybe_decimal(h["calibration_intercept"], 2, sign=True),
            maybe_decimal(h["calibration_slope"], 2),
        ]
        for h in report["models"][name]["per_hospital"]
    ]
    header = ["hospital dejado afuera", "pacientes", "con enfermedad", "riesgo medio predicho", "ROC AUC [IC 95 %]"]
    header += ["Brier ↓", "log loss ↓", "intercepto de calibración", "pendiente de calibración"]
    return "\n".join(markdown_table(header, rows))


def pooled_table(report: dict) -> str:
    """Pooled 5 × 5 cross-validation: the ROC AUC overall and within each hospital, beside the hospital alone."""
    hospitals = [h["hospital"] for h in report["hospitals"]]
    rows = []
    for name, entry in report["pooled"].items():
        within = {h["hospital"]: h["roc_auc"] for h in entry.get("within_hospital", [])}
        label = "solo el hospital" if name == "hospital_only" else MODEL_NAMES.get(name, name)
        within_cells = [maybe_decimal(within.get(h), 3) for h in hospitals]
        rows.append([label, decimal(entry["overall"]["roc_auc"], 3), *within_cells])
    intro = (
        "Validación cruzada mezclando hospitales (los mismos 5 × 5 pliegues de la tabla de calidad): ROC AUC de "
        "todos los pacientes juntos y dentro de cada hospital. «Solo el hospital» predice la tasa de enfermedad "
        "del hospital del paciente: lo que la ROC AUC de todos juntos gana con solo distinguir hospitales."
    )
    header = ["modelo", "ROC AUC, todos juntos", *(f"dentro de {_hospital_name(h)}" for h in hospitals)]
    return "\n".join([intro, "", *markdown_table(header, rows)])


_MISSING_HANDLING = {
    "indicator": "indicador de «no medido»",
    "nan": "«no medido» (CatBoost lo trata aparte)",
    "mean": "rellenado con la media, sin indicador",
    "drop": "sin colesterol",
}


def cholesterol_table(report: dict) -> str:
    """Leave one hospital out with each handling of an unmeasured cholesterol: per held-out hospital and the mean."""
    hospitals = [h["hospital"] for h in report["hospitals"]]
    rows = []
    for name, variants in report["cholesterol"].items():
        for missing, variant in variants.items():
            by_hospital = {h["hospital"]: h for h in variant["per_hospital"]}
            cells = [
                f"{maybe_decimal(by_hospital[h]['roc_auc'], 3)} "
                f"{_interval(by_hospital[h].get('roc_auc_low'), by_hospital[h].get('roc_auc_high'))} · "
                f"{maybe_decimal(by_hospital[h]['log_loss'], 3)}"
                for h in hospitals
            ]
            mean = f"{decimal(variant['mean']['roc_auc'], 3)} · {decimal(variant['mean']['log_loss'], 3)}"
            rows.append([MODEL_NAMES.get(name, name), _MISSING_HANDLING.get(missing, missing), *cells, mean])
    intro = (
        "El colesterol «no medido», tres maneras, dejando un hospital afuera: en cada hospital, la ROC AUC con su "
        "intervalo del 95 % y, después del punto, la log loss; al final, las medias de los cuatro."
    )
    header = ["modelo", "colesterol", *(f"{_hospital_name(h)}" for h in hospitals), "media"]
    return "\n".join([intro, "", *markdown_table(header, rows)])


def sex_table(report: dict) -> str:
    """heartnet's metrics by sex, in the hospital view (leave one hospital out) and the pooled one."""
    views = (
        ("dejando un hospital afuera", report["models"]["heartnet"]["by_sex"]),
        ("mezclando hospitales (5 × 5)", report["pooled"]["heartnet"]["by_sex"]),
    )
    rows = [
        [
            view,
            SEX.meaning(g["sex"]) if g["sex"] in SEX.values else g["sex"],
            str(g["n"]),
            percent(g["prevalence"], 0),
            percent(g["mean_predicted"], 0),
            maybe_decimal(g["roc_auc"], 3),
            maybe_decimal(g["brier"], 3),
            maybe_decimal(g["log_loss"], 3),
            maybe_decimal(g["calibration_intercept"], 2, sign=True),
            maybe_decimal(g["calibration_slope"], 2),
        ]
        for view, groups in views
        for g in groups
    ]
    header = ["validación", "sexo", "pacientes", "con enfermedad", "riesgo medio predicho", "ROC AUC", "Brier ↓"]
    header += ["log loss ↓", "intercepto", "pendiente"]
    return "\n".join(["heartnet por sexo:", "", *markdown_table(header, rows)])


def recalibration_table(report: dict) -> str:
    """Updating heartnet at each held-out hospital from k of its patients: log loss and slope on the others."""
    from heartnet.updating import AUTO_SLOPE_ROWS, MIN_ROWS

    recalibration, design = report["recalibration"], report["design"]["recalibration"]
    rows = []
    for hospital, sizes in recalibration.items():
        for k, methods in sizes.items():
            cells = [
                f"{decimal(methods[m]['log_loss'], 3)} ({maybe_decimal(methods[m]['calibration_slope'], 2)})"
                if m in methods
                else "—"
                for m in UPDATE_NAMES
            ]
            chose = methods.get("auto_chose", {})
            picked = ", ".join(f"{UPDATE_NAMES[m]} {n}" for m, n in chose.items() if n)
            rows.append([_hospital_name(hospital), k, *cells, picked])
    lines = [
        f"Actualizar el modelo en cada hospital dejado afuera con k de sus pacientes ({design['draws']} sorteos "
        "estratificados; `heartnet.updating`): log loss en los demás pacientes de ese hospital y, entre paréntesis, "
        f"su pendiente de calibración (medida solo si quedan al menos {design['slope_needs_each_class']} enfermos y "
        f"otros tantos sanos). La pendiente libre se ajusta desde {MIN_ROWS['logistic']} pacientes; la automática "
        f"la considera desde {AUTO_SLOPE_ROWS}. «—»: no se ajusta con tan pocos pacientes, o no se puede medir.",
        "",
        *markdown_table(["hospital", "k", *UPDATE_NAMES.values(), "la automática eligió"], rows),
    ]
    goals = report.get("recalibration_goals", {})
    if goals:
        verdict = {True: "se cumple", False: "no se cumple"}
        at50, at100 = goals["auto_at_50"], goals["slopes_at_100"]
        slopes = ", ".join(f"{_hospital_name(h)} {decimal(v, 2)}" for h, v in at100["slopes"].items())
        parts = [
            f"con 50 pacientes, la automática baja la log loss media de {decimal(at50['none_log_loss'], 3)} a "
            f"{decimal(at50['auto_log_loss'], 3)}, y el hospital al que más perjudica cambia "
            f"{decimal(at50['worst_hospital_change'], 3, sign=True)} (meta ≤ {decimal(at50['goal'], 3, sign=True)}: "
            f"{verdict[at50['met']]})",
            f"con 100, pendientes entre {decimal(at100['goal'][0], 2)} y {decimal(at100['goal'][1], 2)} "
            f"({slopes}: {verdict[at100['met']]})",
        ]
        if "recalibrate_seconds" in goals:
            seconds = goals["recalibrate_seconds"]
            parts.append(
                f"`heartnet.recalibrate` con 100 filas: {decimal(seconds['measured'], 3)} s "
                f"(meta < {seconds['goal']:g} s: {verdict[seconds['met']]})"
            )
        lines += ["", "Metas: " + "; ".join(parts) + "."]
    return "\n".join(lines)


def decision_table(report: dict) -> str:
    """Net benefit at the saved threshold, pooled and per held-out hospital, and where the model beats both defaults."""
    curves = report["decision_curves"]
    threshold = curves["threshold"]

    def ranges(thresholds: list[float]) -> str:
        if not thresholds:
            return "ninguno"
        spans, start, previous = [], thresholds[0], thresholds[0]
        for value in thresholds[1:]:
            if round(value - previous, 2) > 0.011:
                spans.append((start, previous))
                start = value
            previous = value
        spans.append((start, previous))
        return ", ".join(f"{percent(a, 0)} a {percent(b, 0)}" if a != b else percent(a, 0) for a, b in spans)

    rows = [
        [
            label,
            decimal(entry["at_threshold"]["model"], 3),
            decimal(entry["at_threshold"]["all"], 3),
            "sí" if entry["beats_both_at_threshold"] else "no",
            ranges(entry["beats_both_at"]),
        ]
        for label, entry in [
            ("mezclando hospitales (5 × 5)", curves["pooled"]),
            *((f"{_hospital_name(h)} (dejado afuera)", e) for h, e in curves["per_hospital"].items()),
        ]
    ]
    intro = (
        f"Curvas de decisión: beneficio neto de decidir con heartnet al umbral que guarda el modelo, "
        f"{percent(threshold, 0)} (se aceptan {1 / curves['harm_to_benefit']:.0f} estudios de más por cada enfermo "
        "encontrado), frente a estudiar a todos; no estudiar a nadie vale 0."
    )
    header = ["validación", "heartnet", "estudiar a todos", "¿supera a ambos?", "umbrales donde supera a ambos"]
    return "\n".join([intro, "", *markdown_table(header, rows)])


def all_tables(report: dict) -> str:
    """Every table of the report that its run measured (a partial run, e.g. ``--models``, lacks some)."""
    parts = [hospitals_table(report)]
    if "at_threshold" in report["models"].get("heartnet", {}):
        parts.append(threshold_table(report))
    if "by_sex" in report["models"].get("heartnet", {}) and "by_sex" in report["pooled"].get("heartnet", {}):
        parts.append(sex_table(report))
    if "recalibration" in report:
        parts.append(recalibration_table(report))
    if "decision_curves" in report:
        parts.append(decision_table(report))
    return "\n\n".join(parts)
