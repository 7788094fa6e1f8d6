"""The benchmarks' reports (reports/*.json) as Spanish Markdown tables: the documents' generated blocks.

The tables of the evaluation by hospital (reports/hospitals.json) are ``hospital_tables.py``'s.

Not part of the installed package: ``readme_table.py`` writes these tables into
README.md, docs/model_card.md and data/README.md, and the app and the notebooks
show those same blocks. ``markdown_table`` also lays out the benchmarks' own
terminal tables.
"""

from __future__ import annotations

import re

from heartnet.spanish import MODEL_NAMES, decimal, percent

__all__ = [
    "candidate_description",
    "goals_line",
    "hospital_range",
    "nested_estimate",
    "quality_table",
    "scoring_table",
    "selection_table",
    "speed_table",
    "with_interval",
]


_NUMBER_CELL = re.compile(r"^\**[+−-]?[0-9]|^—$|^n/a$")  # 0,41 · **0,38** · −0,02 · — (none)


def _is_number(cell: str) -> bool:
    """A cell that shows a number: it starts with one and holds at most one word (a unit, "0 de 4")."""
    return bool(_NUMBER_CELL.match(cell)) and len(re.findall(r"[^\W\d_]+", cell)) <= 1


def markdown_table(header: list[str], rows: list[list]) -> list[str]:
    """The lines of a Markdown table, padded so that it reads as well in a terminal as on GitHub.

    A column whose every cell shows a number is right-aligned, the others
    left-aligned. The documents' generated tables and the benchmarks'
    printed ones both come from here.
    """
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(3, *(len(row[i]) for row in cells)) for i in range(len(header))]
    numeric = [bool(rows) and all(_is_number(row[i]) for row in cells[1:]) for i in range(len(header))]

    def line(row: list[str]) -> str:
        padded = [
            cell.rjust(w) if right else cell.ljust(w) for cell, w, right in zip(row, widths, numeric, strict=True)
        ]
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join(
        "-" * (w - 1) + ":" if right else "-" * w for w, right in zip(widths, numeric, strict=True)
    )
    return [line(cells[0]), rule + " |", *map(line, cells[1:])]


# Each benchmark goal in Spanish: what it asks (its target, read from the report, goes in {target}), and how to show
# what was measured. The targets themselves are written once, in the benchmark that measures them.
_GOALS = {
    "train_seconds": ("entrenar {op} {target} s", lambda v: f"{decimal(v, 2)} s"),
    "predict_one_p50_ms": ("`predict_one` p50 {op} {target} ms", lambda v: f"{decimal(v, 2)} ms"),
    "predict_one_speedup": (
        "`predict_one` {op} {target} veces más rápido que `model.predict`",
        lambda v: f"{v:.0f} veces",
    ),
    "batch_rows_per_second": ("{op} {target} filas/s por lotes", lambda v: f"{_thousands(v)} filas/s"),
    "help_seconds": ("cada `--help` {op} {target} s", lambda v: f"{decimal(v, 2)} s el más lento"),
    "predict_over_import_seconds": (
        "`heartnet predict` {op} importar TensorFlow y Keras + {target} s",
        lambda v: f"{decimal(v, 2, sign=True)} s sobre ese piso",
    ),
    "rows_per_second_at_largest": (
        "`heartnet score` {op} {target} filas/s con el archivo más grande",
        lambda v: f"{_thousands(v)} filas/s",
    ),
    "memory_ratio_largest_to_smallest": (
        "memoria {op} {target} veces la del archivo más pequeño",
        lambda v: f"{decimal(v, 2)} veces",
    ),
    "memory_ratio_many_bad_rows_to_smallest": (
        "con muchas filas rechazadas, memoria {op} {target} veces la del archivo más pequeño",
        lambda v: f"{decimal(v, 2)} veces",
    ),
}
_OPERATORS = {"<=": "≤", ">=": "≥"}


def _target(value: float) -> str:
    """A goal's target as Spanish writes it: 500.000, 0,5, 4."""
    return _thousands(value) if value >= 10_000 else f"{value:g}".replace(".", ",")


def goals_line(report: dict) -> str:
    """The report's goals in one Spanish sentence: each goal with its target, what was measured, met or not."""
    parts = []
    for key, goal in report.get("goals", {}).items():
        if key not in _GOALS:
            continue
        asked = _GOALS[key][0].format(op=_OPERATORS[goal["op"]], target=_target(goal["target"]))
        measured = _GOALS[key][1](goal["measured"])
        parts.append(f"{asked}: {measured} ({'se cumple' if goal['met'] else 'no se cumple'})")
    return "Metas: " + "; ".join(parts) + "." if parts else ""


def _difference(value: float) -> str:
    """A difference of means, signed, to the fourth decimal: +0,0065."""
    return decimal(value, 4, sign=True)


def _thousands(value: float) -> str:
    """An integer with Spanish thousands separators: 1.234.567."""
    return f"{value:,.0f}".replace(",", ".")


def quality_table(report: dict) -> str:
    cv = report["cv"]
    lines = [
        f"Calidad: validación cruzada estratificada {cv['n_splits']} × {cv['n_repeats']} "
        f"({cv['rows']} pacientes, los mismos pliegues para todos; media ± desvío).",
        "",
    ]
    rows = []
    for name, stats in sorted(report["models"].items(), key=lambda item: -item[1]["roc_auc"]["mean"]):
        label = f"**{MODEL_NAMES.get(name, name)}**" if name == "heartnet" else MODEL_NAMES.get(name, name)
        cells = [
            f"{decimal(stats[m]['mean'], 4)} ± {decimal(stats[m]['std'], 3)}"
            for m in ("roc_auc", "accuracy", "f1", "brier", "log_loss")
        ]
        rows.append([label, *cells, decimal(stats["fit_seconds"]["mean"], 2)])
    header = ["modelo", "ROC AUC", "exactitud (umbral 0,5)", "F1 (umbral 0,5)", "Brier ↓", "log loss ↓", "ajuste (s)"]
    lines += markdown_table(header, rows)
    lines += ["", "Diferencia heartnet − modelo, intervalo del 95 % con la prueba t corregida de Nadeau–Bengio:", ""]
    shown = [
        metric
        for metric in ("roc_auc", "brier", "log_loss")
        if all(metric in m for m in report["comparisons"].values())
    ]
    intervals = [
        [MODEL_NAMES.get(name, name)]
        + [
            f"{_difference(m['mean'])} [{_difference(m['low'])}, {_difference(m['high'])}]"
            for m in (metrics[metric] for metric in shown)
        ]
        for name, metrics in report["comparisons"].items()
    ]
    headers = {"roc_auc": "ROC AUC", "brier": "Brier", "log_loss": "log loss"}
    lines += markdown_table(["frente a", *(headers[metric] for metric in shown)], intervals)
    goals = report.get("goals", {})
    if goals and all("met_against_catboost" in goal for goal in goals.values()):
        verdict = {True: "se cumple", False: "no se cumple"}
        against = ", ".join(
            f"{headers[metric]} {decimal(goal['heartnet'], 4)} frente a {decimal(goal['catboost'], 4)} "
            f"({verdict[goal['met_against_catboost']]})"
            for metric, goal in goals.items()
        )
        ahead = ", ".join(
            f"en {headers[metric]} ({'sí' if goal['ahead_of_every_sklearn_baseline'] else 'no'})"
            for metric, goal in goals.items()
            if "ahead_of_every_sklearn_baseline" in goal
        )
        lines += [
            "",
            f"Metas (media de los pliegues): heartnet al menos como CatBoost: {against}; por delante de todos los "
            f"modelos de scikit-learn {ahead}.",
        ]
    return "\n".join(lines)


def speed_table(report: dict) -> str:
    one = report["predict_one"]
    rows = report["config"]["rows"]
    lines = [
        f"Velocidad ({report['machine']['cores']} núcleos): entrenamiento sobre todo el dataset (mediana) y "
        f"predicción por lotes de {_thousands(rows)} filas.",
        "",
    ]
    lines += markdown_table(
        ["modelo", "entrenar (s)", "filas/s por lotes"],
        [
            [
                MODEL_NAMES.get(name, name),
                decimal(stats["median"], 2),
                _thousands(report["batch_rows_per_second"][name]),
            ]
            for name, stats in report["train_seconds"].items()
        ],
    )
    lines += [
        "",
        f"`predict_one`: p50 {decimal(one['p50_ms'], 2)} ms, p99 {decimal(one['p99_ms'], 2)} ms; "
        f"`model.predict` sobre la misma fila: p50 {decimal(one['model_predict_p50_ms'], 1)} ms "
        f"({one['speedup_p50']:.0f} veces más lento).",
    ]
    if "stages_p50_ms" in one:  # the profile behind the latency
        stages = ", ".join(f"{name} {decimal(ms, 2)} ms" for name, ms in one["stages_p50_ms"].items())
        lines[-1] += f" Por etapa (p50 de cada una por separado): {stages}."
    if "command_line" in report:
        cli = report["command_line"]
        lines += [
            "",
            f"La línea de comandos, como procesos completos (mediana de {cli['runs']} corridas, en segundos):",
            "",
        ]
        rows = [
            ["`python -c pass` (piso del intérprete)", decimal(cli["python_floor_s"], 2)],
            [
                '`python -c "import tensorflow, keras"` (piso de TensorFlow)',
                decimal(cli["tensorflow_keras_import_s"], 2),
            ],
            ["`heartnet predict` con una fila", decimal(cli["predict_one_row_s"], 2)],
        ]
        rows += [
            [f"`heartnet{'' if name == 'heartnet' else ' ' + name} --help`", decimal(seconds, 2)]
            for name, seconds in cli["help_s"].items()
        ]
        lines += markdown_table(["comando", "segundos"], rows)
    if goals_line(report):
        lines += ["", goals_line(report)]
    return "\n".join(lines)


def candidate_description(params: dict) -> str:
    """A candidate of the nested search in a few Spanish words: members, numbers, dropout, how long it trains.

    Only what the candidate sets is described (a candidate may leave the rest to the defaults).
    """
    parts = []
    if "members" in params:
        parts.append(f"{params['members']} MLP" + (" TabM" if params.get("ensemble") == "batch" else ""))
    if "units" in params:
        units = [str(width) for width in params["units"]]
        parts.append(f"una capa de {units[0]}" if len(units) == 1 else f"capas de {' y '.join(units)}")
    if "bins" in params:
        parts.append(f"{params['bins']} tramos" if params["bins"] else "números estandarizados")
    if "dropout" in params:
        parts.append(f"dropout {params['dropout']:g}".replace(".", ","))
    if params.get("patience", "missing") is None and "epochs" in params:
        parts.append(f"{params['epochs']} épocas")
    elif params.get("patience") is not None:
        parts.append(f"parada temprana (paciencia {params['patience']})")
    if params.get("missing") in _CANDIDATE_CHOLESTEROL:
        parts.append(_CANDIDATE_CHOLESTEROL[params["missing"]])
    return ", ".join(parts)


def shipped_model_text(report: dict) -> str:
    """The model that ships, as one bullet of Spanish, from the nested search's winner (reports/selection.json)."""
    from heartnet.estimator import HeartnetClassifier

    params = {**HeartnetClassifier().get_params(), **report["chosen_params"]}
    numbers = (
        f"cada número en {params['bins']} tramos con una codificación lineal por tramos"
        if params["bins"]
        else "cada número estandarizado"
    )
    cholesterol = {
        "indicator": ", un indicador de colesterol «no medido»",
        "mean": ", el colesterol «no medido» rellenado con la media",
        "drop": ", sin colesterol",
    }[params["missing"]]
    units = [str(width) for width in params["units"]]
    hidden = f"una capa oculta de {units[0]} neuronas" if len(units) == 1 else f"capas de {' y '.join(units)}"
    fit = (
        f"{params['epochs']} épocas"
        if params["patience"] is None
        else f"parada temprana (paciencia {params['patience']})"
    )
    chosen, lowest = report["chosen_default"], report["final_lowest_log_loss"]
    why = (
        "el que tuvo la menor log loss en los hospitales que no vio"
        if chosen == lowest
        else f"el elegido (`{lowest}` tuvo una log loss apenas menor en los hospitales que no vio, dentro del ruido "
        "de la búsqueda, y a igualdad gana la capa estándar de Keras)"
    )
    return (
        f"**El modelo**: capas de preprocesamiento de Keras dentro del modelo ({numbers}, `StringLookup` / "
        f"`IntegerLookup` con one-hot{cholesterol}) → una matriz → {params['members']} MLP ({hidden}, *dropout* "
        f"{decimal(params['dropout'], 1)}) lado a lado en un solo grafo → el promedio de sus probabilidades; "
        f"{fit} con `compile` y `fit`. Es `{chosen}`, {why} entre {len(report['candidates'])} candidatos escritos "
        "antes de la corrida (la búsqueda final, solo con las filas de entrenamiento, `make search`)."
    )


# How a candidate takes an unmeasured cholesterol, when not by the default indicator column.
_CANDIDATE_CHOLESTEROL = {"mean": "colesterol «no medido» con la media", "drop": "sin colesterol"}


def with_interval(summary: dict, digits: int = 3) -> str:
    """A mean with its 95 % interval, stored as ``mean``, ``low`` and ``high``: 0,877 [0,834, 0,916]."""
    low, high = decimal(summary["low"], digits), decimal(summary["high"], digits)
    return f"{decimal(summary['mean'], digits)} [{low}, {high}]"


def hospital_range(summary: dict, digits: int = 3) -> str:
    """From the lowest hospital's value to the highest's, stored as ``range``: de 0,825 a 0,952."""
    low, high = summary["range"]
    return f"de {decimal(low, digits)} a {decimal(high, digits)}"


def nested_estimate(nested: dict) -> str:
    """The project's figure (reports/nested.json): ROC AUC and log loss with their intervals, and the spread."""
    return (
        f"ROC AUC {with_interval(nested['roc_auc'])}, log loss {with_interval(nested['log_loss'])} (intervalo del "
        f"{percent(nested['confidence'], 0)} de la media de los {len(nested['hospitals'])} hospitales; según el "
        f"hospital, ROC AUC {hospital_range(nested['roc_auc'])})"
    )


def selection_table(report: dict, nested: dict | None = None) -> str:
    """How the default model was chosen: every candidate's nested score and fit time, the choice, the estimate.

    With the nested estimate repeated (reports/nested.json), its ROC AUC and log loss come with their intervals.
    """
    cv, scores = report["cv"], report["nested"]
    folds = sum(entry["outer_folds_won"] for entry in report["candidates"].values())
    intro = (
        f"Elección del modelo por defecto con validación cruzada anidada **dejando un hospital afuera** "
        f"({cv['rows']} pacientes): en cada uno de los {folds} pliegues externos (un hospital afuera), "
        "`GridSearchCV` compara los candidatos por la log loss de dejar afuera, por turno, cada uno de los "
        "otros hospitales; el elegido se reentrena con esos hospitales y se evalúa una sola vez en el que "
        f"quedó afuera. La misma búsqueda, solo con las {cv['final_search']['rows']} filas de entrenamiento "
        "de la partición de `heartnet train`, elige el modelo por defecto: su conjunto de prueba no participa de "
        "ninguna elección."
    )
    lines = [intro, ""]
    rows = [
        [
            f"**`{name}`**" if name == report["chosen_default"] else f"`{name}`",
            candidate_description(entry["params"]),
            f"{decimal(entry['inner_log_loss']['mean'], 4)} ± {decimal(entry['inner_log_loss']['std'], 4)}",
            decimal(entry["fit_seconds"], 2),
            f"{entry['outer_folds_won']} de {folds}",
            decimal(entry["whole_data_inner_log_loss"], 4),
        ]
        for name, entry in report["candidates"].items()
    ]
    header = ["candidato", "configuración", "log loss interna ↓", "ajuste (s)", "pliegues ganados"]
    lines += markdown_table([*header, "log loss de la búsqueda final ↓"], rows)
    auc, accuracy = decimal(scores["roc_auc"]["mean"], 3), decimal(scores["accuracy"]["mean"], 3)
    brier, loss = decimal(scores["brier"]["mean"], 3), decimal(scores["log_loss"]["mean"], 3)
    others = f"exactitud (umbral 0,5): {accuracy}, Brier {brier}"
    estimate = f"{nested_estimate(nested)}; {others}" if nested else f"ROC AUC {auc}, {others}, log loss {loss}"
    chosen = f"Queda por defecto **`{report['chosen_default']}`**."
    return "\n".join(
        [*lines, "", f"{chosen} Estimación anidada del procedimiento completo (elección incluida): {estimate}."]
    )


def scoring_table(report: dict) -> str:
    """`heartnet score` throughput and memory per file size, beside the naive pandas + model.predict."""
    lines = [
        "`heartnet score` (archivo con 1 % de filas dañadas) frente a `read_csv` + `model.predict` + `to_csv` "
        "(archivo limpio), cada tamaño en su propio proceso:",
        "",
    ]
    rows = []
    for size, result in report["sizes"].items():
        ours, naive = result["heartnet"], result["naive_pandas_model_predict"]
        values = [
            int(size),
            ours["rows_per_second"],
            ours["peak_rss_mb"],
            naive["rows_per_second"],
            naive["peak_rss_mb"],
        ]
        rows.append([_thousands(value) for value in values])
    lines += markdown_table(["filas", "score filas/s", "score MB", "directo filas/s", "directo MB"], rows)
    if "many_bad_rows" in report:  # reports written before it was measured lack it
        many = report["many_bad_rows"]
        lines += [
            "",
            f"Con {percent(many['corrupted_share'], 0)} de filas dañadas en {_thousands(many['rows'])} filas: "
            f"{_thousands(many['heartnet']['rows_per_second'])} filas/s, "
            f"{_thousands(many['heartnet']['peak_rss_mb'])} MB.",
        ]
    if goals_line(report):
        lines += ["", goals_line(report)]
    return "\n".join(lines)
