"""The README's Python snippet works as written."""

import re
from pathlib import Path

import pytest

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


@pytest.mark.slow  # the snippets train a model and explain a patient
def test_readme_python_snippet_runs(trained_path, monkeypatch, capsys):
    monkeypatch.setenv("HEARTNET_MODEL", str(trained_path))
    snippets = re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)
    assert snippets
    for snippet in snippets:
        exec(compile(snippet, "README.md", "exec"), {})
    assert re.fullmatch(r"Probabilidad de enfermedad cardíaca: \d+\.\d%\n", capsys.readouterr().out)


def test_one_table_renderer_pads_the_columns_and_right_aligns_only_numbers():
    from heartnet.reports import markdown_table

    rows = [["a", "8 MLP, capas de 16", "0,87"], ["bbb", "x", "1"]]
    lines = markdown_table(["modelo", "configuración", "ROC AUC"], rows)
    assert lines[1] == "| ------ | ------------------ | ------: |"
    assert lines[2] == "| a      | 8 MLP, capas de 16 |    0,87 |"
    assert len({len(line) for line in lines}) == 1
