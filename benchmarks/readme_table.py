"""Write the benchmark tables into the READMEs and the model card from reports/*.json (never typed by hand).

    python -m benchmarks.readme_table [--readme PATH] [--model-card PATH] [--data-readme PATH] [--reports DIR] [--check]

In each document, replaces what stands between ``<!-- NAME:start -->`` and
``<!-- NAME:end -->`` for each of its blocks (the README: ``model``, the
sentence that describes the model that ships, ``headline``, ``glance`` and
``hospital-check``, the check at a hospital as it ran; the model card one per
section that quotes numbers; data/README.md the hospitals' table). With
--check, only says whether the documents are up to date (exit 1 if not).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from benchmarks.common import REPORTS
from benchmarks.hospital_tables import (
    decision_table,
    hospitals_data_table,
    hospitals_table,
    recalibration_table,
    sex_table,
    threshold_table,
)
from benchmarks.model_tables import (
    glance_table,
    headline_list,
    hospital_check_block,
    inputs_table,
    sample_size_table,
    shipped_table,
)
from benchmarks.tables import quality_table, scoring_table, selection_table, shipped_model_text, speed_table
from heartnet.paths import project_root

FOOTER = "Generado por `benchmarks/readme_table.py` a partir de `reports/*.json` (`make bench`)."
# Each document's blocks: block name -> the (reports, renderer) pairs it shows, in order; a renderer takes the
# reports it names (reports/<name>.json), in that order. A pair whose reports are not all there is left out.
README_BLOCKS = {
    "model": (("selection", shipped_model_text),),
    "headline": ((("shipped", "nested", "hospitals", "quality"), headline_list),),
    "glance": ((("shipped", "nested", "hospitals", "quality"), glance_table),),
    "hospital-check": (("hospital_check", hospital_check_block),),
}
MODEL_CARD_BLOCKS = {
    "shipped": (("shipped", shipped_table),),
    "inputs": (("shipped", inputs_table),),
    "hospitals-data": (("hospitals", hospitals_data_table),),
    "selection": ((("selection", "nested"), selection_table),),
    "pooled": (("quality", quality_table),),
    "hospitals": (("hospitals", hospitals_table), ("hospitals", threshold_table)),
    "subgroups": (("hospitals", sex_table),),
    "decision": (("hospitals", decision_table),),
    "updating": (("hospitals", recalibration_table),),
    "sample-size": (("hospitals", sample_size_table),),
    "speed": (("speed", speed_table), ("scoring", scoring_table)),
}
DATA_README_BLOCKS = {"hospitals-data": (("hospitals", hospitals_data_table),)}

# Blocks that stand inside the prose, without the footer that says where the tables come from.
INLINE = {"model", "headline", "hospital-check"}


def render(reports: Path, renderers, *, footer: bool = True) -> str:
    parts = []
    for names, renderer in renderers:
        paths = [reports / f"{name}.json" for name in ((names,) if isinstance(names, str) else names)]
        if all(path.is_file() for path in paths):
            parts.append(renderer(*(json.loads(path.read_text(encoding="utf-8")) for path in paths)))
    if footer:
        parts.append(FOOTER)
    return "\n\n".join(parts)


def _shown(document: Path) -> str:
    """The document as a reader finds it: relative to the project when it is inside it."""
    try:
        return str(document.resolve().relative_to(project_root()))
    except ValueError:
        return document.name


def update(document: Path, reports: Path, blocks: dict = README_BLOCKS) -> tuple[str, str]:
    """Return (the document's current text, its text with fresh tables in every block)."""
    text = fresh = document.read_text(encoding="utf-8")
    for block, renderers in blocks.items():
        start, end = f"<!-- {block}:start -->", f"<!-- {block}:end -->"
        if start not in fresh or end not in fresh:
            raise SystemExit(f"{document.name}: the markers {start} and {end} are missing")
        before, rest = fresh.split(start, 1)
        _, after = rest.split(end, 1)
        fresh = f"{before}{start}\n{render(reports, renderers, footer=block not in INLINE)}\n{end}{after}"
    return text, fresh


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.readme_table", description=__doc__.splitlines()[0])
    parser.add_argument("--readme", default=str(project_root() / "README.md"))
    parser.add_argument("--model-card", default=str(project_root() / "docs" / "model_card.md"))
    parser.add_argument("--data-readme", default=str(project_root() / "data" / "README.md"))
    parser.add_argument("--reports", default=str(REPORTS))
    parser.add_argument("--check", action="store_true", help="exit 1 if a document's tables are out of date")
    args = parser.parse_args(argv)
    documents = [
        (Path(args.readme), README_BLOCKS),
        (Path(args.model_card), MODEL_CARD_BLOCKS),
        (Path(args.data_readme), DATA_README_BLOCKS),
    ]
    stale = 0
    for document, blocks in documents:
        current, fresh = update(document, Path(args.reports), blocks)
        if args.check:
            if current != fresh:
                print(f"{_shown(document)}: the benchmark tables are out of date; run `make bench` or this script")
                stale = 1
            continue
        document.write_text(fresh, encoding="utf-8")
        print(f"updated the benchmark tables in {_shown(document)}")
    return stale


if __name__ == "__main__":
    sys.exit(main())
