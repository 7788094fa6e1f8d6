"""Write the benchmark tables into README.md from reports/*.json (never typed by hand).

    python benchmarks/readme_table.py [--readme PATH] [--reports DIR] [--check]

Replaces what stands between ``<!-- benchmarks:start -->`` and
``<!-- benchmarks:end -->``. With --check, only says whether the README is
up to date (exit 1 if not).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPORTS

from heartnet.paths import project_root
from heartnet.plots import MODEL_NAMES

START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


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


def render(reports: Path) -> str:
    parts = []
    for name, renderer in (("quality.json", quality_table), ("speed.json", speed_table)):
        path = reports / name
        if path.is_file():
            parts.append(renderer(json.loads(path.read_text(encoding="utf-8"))))
    parts.append("Generado por `benchmarks/readme_table.py` a partir de `reports/*.json` (`make bench`).")
    return "\n\n".join(parts)


def update(readme: Path, reports: Path) -> tuple[str, str]:
    """Return (current README text, README text with fresh tables)."""
    text = readme.read_text(encoding="utf-8")
    if START not in text or END not in text:
        raise SystemExit(f"{readme.name}: the markers {START} and {END} are missing")
    before, rest = text.split(START, 1)
    _, after = rest.split(END, 1)
    return text, f"{before}{START}\n{render(reports)}\n{END}{after}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readme", default=str(project_root() / "README.md"))
    parser.add_argument("--reports", default=str(REPORTS))
    parser.add_argument("--check", action="store_true", help="exit 1 if the README's tables are out of date")
    args = parser.parse_args(argv)
    readme = Path(args.readme)
    current, fresh = update(readme, Path(args.reports))
    if args.check:
        if current != fresh:
            print(f"{readme.name}: the benchmark tables are out of date; run `make bench` or this script")
            return 1
        return 0
    readme.write_text(fresh, encoding="utf-8")
    print(f"updated the benchmark tables in {readme.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
