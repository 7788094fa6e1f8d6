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
from heartnet.reports import quality_table, scoring_table, selection_table, speed_table

START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"


def render(reports: Path) -> str:
    parts = []
    renderers = (
        ("selection.json", selection_table),
        ("quality.json", quality_table),
        ("speed.json", speed_table),
        ("scoring.json", scoring_table),
    )
    for name, renderer in renderers:
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
