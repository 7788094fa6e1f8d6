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


def quality_table(report: dict) -> str:
    cv = report["cv"]
    lines = [
        f"Calidad: validación cruzada estratificada {cv['n_splits']} × {cv['n_repeats']} "
        f"({cv['rows']} pacientes, los mismos pliegues para todos; media ± desvío).",
        "",
        "| modelo | ROC AUC | exactitud | F1 | Brier ↓ | log loss ↓ | ajuste (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, stats in sorted(report["models"].items(), key=lambda item: -item[1]["roc_auc"]["mean"]):
        cells = [
            f"{stats[m]['mean']:.3f} ± {stats[m]['std']:.3f}"
            for m in ("roc_auc", "accuracy", "f1", "brier", "log_loss")
        ]
        label = f"**{MODEL_NAMES.get(name, name)}**" if name == "heartnet" else MODEL_NAMES.get(name, name)
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {stats['fit_seconds']['mean']:.2f} |")
    lines += [
        "",
        "Diferencia heartnet − modelo, intervalo del 95 % con la prueba t corregida de Nadeau–Bengio:",
        "",
        "| frente a | ROC AUC | Brier |",
        "|---|---|---|",
    ]
    for name, metrics in report["comparisons"].items():
        auc, brier = metrics["roc_auc"], metrics["brier"]
        lines.append(
            f"| {MODEL_NAMES.get(name, name)} | {auc['mean']:+.4f} [{auc['low']:+.4f}, {auc['high']:+.4f}] "
            f"| {brier['mean']:+.4f} [{brier['low']:+.4f}, {brier['high']:+.4f}] |"
        )
    return "\n".join(lines)


def speed_table(report: dict) -> str:
    one = report["predict_one"]
    rows = report["config"]["rows"]
    lines = [
        f"Velocidad ({report['machine']['cores']} núcleos): entrenamiento sobre todo el dataset (mediana) y "
        f"predicción por lotes de {rows:,} filas.".replace(",", "."),
        "",
        "| modelo | entrenar (s) | filas/s por lotes |",
        "|---|---|---|",
    ]
    for name, stats in report["train_seconds"].items():
        rate = report["batch_rows_per_second"][name]
        lines.append(f"| {MODEL_NAMES.get(name, name)} | {stats['median']:.2f} | {rate:,.0f} |".replace(",", "."))
    lines += [
        "",
        f"`predict_one`: p50 {one['p50_ms']:.2f} ms, p99 {one['p99_ms']:.2f} ms; `model.predict` sobre la misma "
        f"fila: p50 {one['model_predict_p50_ms']:.1f} ms ({one['speedup_p50']:.0f} veces más lento).",
    ]
    return "\n".join(lines)


def selection_table(report: dict) -> str:
    """How the default model was chosen: nested cross-validation, wins per candidate, nested estimate."""
    cv, nested = report["cv"], report["nested"]
    folds = sum(report["wins"].values())
    candidates = ", ".join(
        f"`{name}` ({', '.join(f'{key}={value}' for key, value in hparams.items())})"
        for name, hparams in report["candidates"].items()
    )
    wins = ", ".join(f"`{name}` en {count} de {folds}" for name, count in report["wins"].items())
    return (
        f"Elección del modelo por defecto con validación cruzada anidada ({cv['rows']} pacientes): dentro de "
        f"cada pliegue externo de entrenamiento, una validación cruzada interna elige por log loss entre "
        f"{candidates}. Ganó {wins}; queda por defecto **`{report['chosen_default']}`**. Estimación anidada "
        f"del procedimiento completo (elección incluida): ROC AUC {nested['roc_auc']['mean']:.3f}, exactitud "
        f"{nested['accuracy']['mean']:.3f}, Brier {nested['brier']['mean']:.3f}."
    )


def scoring_table(report: dict) -> str:
    """`heartnet score` throughput and memory per file size, beside the naive pandas + model.predict."""
    lines = [
        "`heartnet score` (archivo con 1 % de filas dañadas) frente a `read_csv` + `model.predict` + `to_csv` "
        "(archivo limpio), cada tamaño en su propio proceso:",
        "",
        "| filas | score filas/s | score MB | ingenuo filas/s | ingenuo MB |",
        "|---|---|---|---|---|",
    ]
    for size, result in report["sizes"].items():
        ours, naive = result["heartnet"], result["naive_pandas_model_predict"]
        cells = [int(size), ours["rows_per_second"], ours["peak_rss_mb"], naive["rows_per_second"],
                 naive["peak_rss_mb"]]  # fmt: skip
        lines.append(("| " + " | ".join(f"{value:,.0f}" for value in cells) + " |").replace(",", "."))
    return "\n".join(lines)
