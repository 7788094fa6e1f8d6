"""Benchmark reports (reports/*.json) as Spanish Markdown tables, for the README and the app."""

from __future__ import annotations

import json

from heartnet.paths import project_root
from heartnet.plots import MODEL_NAMES

__all__ = ["load_report", "quality_table", "scoring_table", "selection_table", "speed_table"]


def load_report(name: str) -> dict | None:
    """reports/<name>.json of this checkout, or None when it has not been generated."""
    path = project_root() / "reports" / f"{name}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def _markdown(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a Markdown table."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + [
        "| " + " | ".join(row) + " |" for row in rows
    ]


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
            f"{stats[m]['mean']:.3f} ± {stats[m]['std']:.3f}"
            for m in ("roc_auc", "accuracy", "f1", "brier", "log_loss")
        ]
        rows.append([label, *cells, f"{stats['fit_seconds']['mean']:.2f}"])
    lines += _markdown(["modelo", "ROC AUC", "exactitud", "F1", "Brier ↓", "log loss ↓", "ajuste (s)"], rows)
    lines += ["", "Diferencia heartnet − modelo, intervalo del 95 % con la prueba t corregida de Nadeau–Bengio:", ""]
    shown = [
        metric
        for metric in ("roc_auc", "brier", "log_loss")
        if all(metric in m for m in report["comparisons"].values())
    ]
    intervals = [
        [MODEL_NAMES.get(name, name)]
        + [f"{m['mean']:+.4f} [{m['low']:+.4f}, {m['high']:+.4f}]" for m in (metrics[metric] for metric in shown)]
        for name, metrics in report["comparisons"].items()
    ]
    headers = {"roc_auc": "ROC AUC", "brier": "Brier", "log_loss": "log loss"}
    lines += _markdown(["frente a", *(headers[metric] for metric in shown)], intervals)
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
            [MODEL_NAMES.get(name, name), f"{stats['median']:.2f}", _thousands(report["batch_rows_per_second"][name])]
            for name, stats in report["train_seconds"].items()
        ],
    )
    lines += [
        "",
        f"`predict_one`: p50 {one['p50_ms']:.2f} ms, p99 {one['p99_ms']:.2f} ms; `model.predict` sobre la misma "
        f"fila: p50 {one['model_predict_p50_ms']:.1f} ms ({one['speedup_p50']:.0f} veces más lento).",
    ]
    if "stages_p50_ms" in one:  # the profile behind the latency
        stages = ", ".join(f"{name} {ms:.2f} ms" for name, ms in one["stages_p50_ms"].items())
        lines[-1] += f" Por etapa (p50 de cada una por separado): {stages}."
    if "command_line" in report:
        cli = report["command_line"]
        lines += [
            "",
            f"La línea de comandos, como procesos completos (mediana de {cli['runs']} corridas, en segundos):",
            "",
        ]
        rows = [
            ["`python -c pass` (piso del intérprete)", f"{cli['python_floor_s']:.2f}"],
            ['`python -c "import tensorflow, keras"` (piso de TensorFlow)', f"{cli['tensorflow_keras_import_s']:.2f}"],
            ["`heartnet predict` con una fila", f"{cli['predict_one_row_s']:.2f}"],
        ]
        rows += [
            [f"`heartnet{'' if name == 'heartnet' else ' ' + name} --help`", f"{seconds:.2f}"]
            for name, seconds in cli["help_s"].items()
        ]
        lines += _markdown(["comando", "segundos"], rows)
    return "\n".join(lines)


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
            ", ".join(f"{key}={value}" for key, value in entry["params"].items()),
            f"{entry['inner_log_loss']['mean']:.4f} ± {entry['inner_log_loss']['std']:.4f}",
            f"{entry['fit_seconds']:.2f}",
            f"{entry['outer_folds_won']} de {folds}",
        ]
        for name, entry in report["candidates"].items()
    ]
    lines += _markdown(["candidato", "hiperparámetros", "log loss interna ↓", "ajuste (s)", "pliegues ganados"], rows)
    lines += [
        "",
        f"Queda por defecto **`{report['chosen_default']}`**. Estimación anidada del procedimiento completo (elección "
        f"incluida): ROC AUC {nested['roc_auc']['mean']:.3f}, exactitud {nested['accuracy']['mean']:.3f}, "
        f"Brier {nested['brier']['mean']:.3f}, log loss {nested['log_loss']['mean']:.3f}.",
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
    return "\n".join(lines)
