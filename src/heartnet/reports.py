"""Benchmark reports (reports/*.json) as Spanish Markdown tables, for the README and the app."""

from __future__ import annotations

import json

from heartnet.paths import project_root
from heartnet.spanish import MODEL_NAMES, decimal

__all__ = [
    "candidate_description",
    "goals_line",
    "load_report",
    "quality_table",
    "scoring_table",
    "selection_table",
    "speed_table",
]


def load_report(name: str) -> dict | None:
    """reports/<name>.json of this checkout, or None when it has not been generated."""
    path = project_root() / "reports" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a Markdown table."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


# Each benchmark goal in Spanish: what it asks, and how to show what was measured.
_GOALS = {
    "train_seconds": ("entrenar ≤ 4 s", lambda v: f"{decimal(v, 2)} s"),
    "predict_one_p50_ms": ("`predict_one` p50 ≤ 1 ms", lambda v: f"{decimal(v, 2)} ms"),
    "predict_one_speedup": ("`predict_one` ≥ 50 veces más rápido que `model.predict`", lambda v: f"{v:.0f} veces"),
    "batch_rows_per_second": ("≥ 500.000 filas/s por lotes", lambda v: f"{_thousands(v)} filas/s"),
    "help_seconds": ("cada `--help` ≤ 0,5 s", lambda v: f"{decimal(v, 2)} s el más lento"),
    "predict_over_import_seconds": (
        "`heartnet predict` ≤ importar TensorFlow y Keras + 1 s",
        lambda v: f"{decimal(v, 2, sign=True)} s sobre ese piso",
    ),
    "rows_per_second_at_largest": (
        "`heartnet score` ≥ 200.000 filas/s con el archivo más grande",
        lambda v: f"{_thousands(v)} filas/s",
    ),
    "memory_ratio_largest_to_smallest": (
        "memoria ≤ 1,3 veces la del archivo más chico",
        lambda v: f"{decimal(v, 2)} veces",
    ),
}


def goals_line(report: dict) -> str:
    """The report's goals in one Spanish sentence: each goal, what was measured, met or not."""
    parts = [
        f"{_GOALS[key][0]}: {_GOALS[key][1](goal['measured'])} ({'se cumple' if goal['met'] else 'no se cumple'})"
        for key, goal in report.get("goals", {}).items()
        if key in _GOALS
    ]
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
    lines += _markdown(["modelo", "ROC AUC", "exactitud", "F1", "Brier ↓", "log loss ↓", "ajuste (s)"], rows)
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
    lines += _markdown(["frente a", *(headers[metric] for metric in shown)], intervals)
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
    lines += _markdown(
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
        lines += _markdown(["comando", "segundos"], rows)
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
    if "bins" in params:
        parts.append(f"{params['bins']} tramos" if params["bins"] else "números estandarizados")
    if "dropout" in params:
        parts.append(f"dropout {params['dropout']:g}".replace(".", ","))
    if params.get("patience", "missing") is None and "epochs" in params:
        parts.append(f"{params['epochs']} épocas")
    elif params.get("patience") is not None:
        parts.append(f"parada temprana (paciencia {params['patience']})")
    return ", ".join(parts)


def selection_table(report: dict) -> str:
    """How the default model was chosen: every candidate's nested score and fit time, the choice, the estimate."""
    cv, nested = report["cv"], report["nested"]
    folds = sum(entry["outer_folds_won"] for entry in report["candidates"].values())
    lines = [
        f"Elección del modelo por defecto con validación cruzada anidada ({cv['rows']} pacientes): dentro de cada uno "
        f"de los {folds} pliegues externos de entrenamiento, `GridSearchCV` compara los candidatos por la log loss de "
        "una validación cruzada interna; el elegido se reentrena en ese pliegue y se evalúa una sola vez en su "
        "prueba. La misma búsqueda sobre todos los datos elige el modelo por defecto.",
        "",
    ]
    rows = [
        [
            f"**`{name}`**" if name == report["chosen_default"] else f"`{name}`",
            candidate_description(entry["params"]),
            f"{decimal(entry['inner_log_loss']['mean'], 4)} ± {decimal(entry['inner_log_loss']['std'], 4)}",
            decimal(entry["fit_seconds"], 2),
            f"{entry['outer_folds_won']} de {folds}",
        ]
        for name, entry in report["candidates"].items()
    ]
    lines += _markdown(["candidato", "configuración", "log loss interna ↓", "ajuste (s)", "pliegues ganados"], rows)
    lines += [
        "",
        f"Queda por defecto **`{report['chosen_default']}`**. Estimación anidada del procedimiento completo (elección "
        f"incluida): ROC AUC {decimal(nested['roc_auc']['mean'], 3)}, "
        f"exactitud {decimal(nested['accuracy']['mean'], 3)}, Brier {decimal(nested['brier']['mean'], 3)}, "
        f"log loss {decimal(nested['log_loss']['mean'], 3)}.",
    ]
    return "\n".join(lines)


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
    lines += _markdown(["filas", "score filas/s", "score MB", "ingenuo filas/s", "ingenuo MB"], rows)
    if goals_line(report):
        lines += ["", goals_line(report)]
    return "\n".join(lines)
