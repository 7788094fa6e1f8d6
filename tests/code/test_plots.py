"""Figure functions return titled, labelled matplotlib Figures; diagrams render without apt."""

from __future__ import annotations

import io
import re

import matplotlib.text
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import heartnet
from heartnet import plots
from heartnet.plots import diagrams


@pytest.fixture(scope="module")
def scores(dataset):
    rng = np.random.default_rng(0)
    y = dataset[heartnet.TARGET].to_numpy()[:200]
    return y, np.clip(y * 0.6 + rng.uniform(0, 0.4, len(y)), 0, 1)


def _check(fig: Figure) -> None:
    assert isinstance(fig, Figure)
    # Legible at GitHub's width (about 880 px): no image wider than 1,200 px as a notebook saves it (a tight
    # bounding box, which grows with text that spills out), no text below 8 points.
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    width = int.from_bytes(buffer.getvalue()[16:20], "big")
    assert width <= 1200, f"{width} px wide"
    sizes = [text.get_fontsize() for text in fig.findobj(matplotlib.text.Text) if text.get_text().strip()]
    assert min(sizes) >= 8, f"text of {min(sizes)} points"
    visible = [ax for ax in fig.axes if ax.get_visible() and ax.axison]
    assert visible
    title = fig.get_suptitle()
    for ax in visible:
        if ax.get_label() == "<colorbar>":
            continue
        assert ax.get_title() or title, "every chart has a title"
        assert ax.get_xlabel(), f"an x label on '{ax.get_title()}'"
        assert ax.get_ylabel(), f"a y label on '{ax.get_title()}'"


def test_data_figures(dataset):
    raw = heartnet.data.raw_dataset()
    for fig in (
        plots.class_balance(dataset),
        plots.numeric_distributions(dataset),
        plots.categorical_positive_rates(dataset),
        plots.correlations(dataset),
        plots.missing_cholesterol(raw),
    ):
        _check(fig)


def test_numeric_axes_carry_units(dataset):
    fig = plots.numeric_distributions(dataset)
    labels = [ax.get_xlabel() for ax in fig.axes if ax.axison]
    assert "Edad (años)" in labels and "Colesterol sérico (mg/dl)" in labels


def test_evaluation_figures(scores):
    y, p = scores
    for fig in (
        plots.confusion_matrix(y, p, threshold=0.4),
        plots.roc_and_precision_recall(y, p),
        plots.calibration(y, p),
        plots.patient_probabilities(p[:5], y[:5], list("abcde")),
        plots.grouped_bars(
            {"a": {"Hungría": 0.8, "Suiza": 0.9}, "b": {"Hungría": 0.5}}, title="t", xlabel="h", ylabel="v"
        ),
    ):
        _check(fig)


def test_confusion_matrix_counts_match_the_threshold(scores):
    y, p = scores
    fig = plots.confusion_matrix(y, p, threshold=0.4)
    # each cell: its count, then its name (on two lines)
    shown = {text.get_text().split("\n", 1)[1].replace("\n", " "): int(text.get_text().split("\n")[0])
             for text in fig.axes[0].texts}  # fmt: skip
    predicted = p >= 0.4
    assert shown == {
        "verdaderos negativos": ((y == 0) & ~predicted).sum(),
        "falsos positivos": ((y == 0) & predicted).sum(),
        "falsos negativos": ((y == 1) & ~predicted).sum(),
        "verdaderos positivos": ((y == 1) & predicted).sum(),
    }
    assert fig.axes[0].get_title() == "Matriz de confusión al umbral de 40 %"  # a percentage, as the notebook says
    # the classes on short lines, so that the two column labels never run into each other
    ticks = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert ticks and all(max(len(line) for line in tick.split("\n")) <= 10 for tick in ticks), ticks


def test_numbers_in_titles_and_legends_have_a_decimal_comma(scores):
    y, p = scores
    texts = [plots.calibration(y, p).axes[0].get_title()]
    for fig in (plots.roc_and_precision_recall(y, p),):
        texts += [text.get_text() for ax in fig.axes if ax.get_legend() for text in ax.get_legend().get_texts()]
    bars = plots.grouped_bars({"a": {"x": 0.25, "y": 0.5}}, title="t", xlabel="h", ylabel="v")
    texts += [text.get_text() for text in bars.axes[0].texts]  # each bar's value
    numbers = [number for text in texts for number in re.findall(r"\d+[.,]\d+", text)]
    assert len(numbers) >= 4 and all("," in number for number in numbers), texts


def test_theory_figures():
    histories = {"a": {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7]}, "b": {"loss": [0.9, 0.2]}}
    fig = plots.history_curves(histories, title="t", validation=True)
    _check(fig)
    assert len(fig.axes[0].lines) == 3  # a, a validation, b
    spread = plots.layer_spread({"pequeña": [1.0, 0.1, 0.01], "Glorot": [1.0, 0.9, 0.8]}, title="t", ylabel="desvío")
    _check(spread)
    assert spread.axes[0].get_yscale() == "log" and len(spread.axes[0].lines) == 2
    curves = plots.training_curves({"loss": [1, 0.5], "val_loss": [1, 0.6], "auc": [0.5, 0.8], "val_auc": [0.5, 0.7]})
    _check(curves)
    for ax in (*curves.axes, fig.axes[0]):  # epochs are whole numbers: no «1,5» between epoch 1 and epoch 2
        ax.figure.canvas.draw()
        assert all(float(tick).is_integer() for tick in ax.get_xticks()), ax.get_xticks()


def test_encoded_matrix_figure(model, dataset):
    features = dataset[list(heartnet.FEATURE_NAMES)].head(3)
    matrix = heartnet.model.encoder(model).predict_on_batch(heartnet.model.to_inputs(features))
    fig = plots.encoded_matrix(matrix, heartnet.model.encoded_feature_names(model), ["a", "b", "c"])
    _check(fig)
    # the default model's numbers are standardized, cholesterol filled with the mean: no bins, no indicator
    numeric = fig.axes[0].get_title()
    assert "estandarizadas" in numeric and "tramos" not in numeric and "indicador" not in numeric, numeric
    # the panel says what a model with bins and a "not measured" column puts there
    columns = ["Age[28, 47]", "Age[47, 77]", "Cholesterol[85, 603]", "Cholesterol_missing", "Sex=M", "Sex=F"]
    binned = plots.encoded_matrix(np.zeros((2, len(columns))), columns, ["a", "b"]).axes[0].get_title()
    assert "tramos" in binned and "indicador" in binned and "estandarizadas" not in binned, binned


def test_diagrams_render_with_pip_packages_only(model):
    whole = diagrams.model_svg(model, rankdir="LR")
    assert whole.lstrip().startswith("<?xml") and "<svg" in whole
    for name in (*heartnet.FEATURE_NAMES, "encoded", "network", "probability"):
        assert f">{name} (" in whole, name  # each layer's box is labelled "name (Type)"
    head = diagrams.mlp_svg(heartnet.model.member_mlp(model))
    assert "Activation: sigmoid" in head and "Dropout" in head
    png = diagrams.svg_to_png(head, dpi=40)
    assert png.startswith(b"\x89PNG")


@pytest.mark.slow  # exact Shapley values: shap compiles its kernels (numba) on first use
def test_the_shapley_figures_are_titled_spanish_and_never_empty(model, dataset, patient):
    from heartnet.explain import contributions, explain

    background = dataset[list(heartnet.FEATURE_NAMES)].sample(40, random_state=0)
    table = contributions(model, patient, background=background)
    waterfall = plots.shapley_waterfall(table)
    _check(waterfall)
    ax = waterfall.axes[0]
    assert len(ax.patches) == 11  # every feature has its bar, however small its push
    pushes = [text.get_text() for text in ax.texts]
    assert len(pushes) == 11 and all(text.endswith(" pp") for text in pushes)
    _no_line_crosses_a_push(waterfall)
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert "Sexo: Masculino" in labels and "Edad: 54 años" in labels  # meanings and whole numbers, in Spanish
    assert heartnet.spanish.percent(table.attrs["base"]) in ax.get_title()
    many = explain(model, dataset[list(heartnet.FEATURE_NAMES)].head(20), background=background)
    _check(plots.shapley_importance(many))
    _check(plots.shapley_summary(many))


def _no_line_crosses_a_push(fig: Figure) -> None:
    """Neither the base line nor the prediction line runs through a written push (measured as drawn)."""
    ax = fig.axes[0]
    fig.canvas.draw()
    lines = [ax.transData.transform((line.get_xdata()[0], 0))[0] for line in ax.get_lines()]
    for text in ax.texts:
        extent = text.get_window_extent()
        assert not any(extent.x0 <= x <= extent.x1 for x in lines), f"a line crosses {text.get_text()!r}"


def test_the_waterfalls_pushes_are_clear_of_the_base_and_prediction_lines():
    """The last bars stop just short of the prediction line: their pushes must not be written across it."""
    pushes = [-0.30, 0.04, -0.05, -0.01, -0.006, -0.004]
    table = pd.DataFrame(
        {
            "feature": list(heartnet.FEATURE_NAMES[: len(pushes)]),
            "label": [heartnet.features.FEATURES_BY_NAME[name].label for name in heartnet.FEATURE_NAMES[: len(pushes)]],
            "value": [54, "M", "ASY", 130, 200, 0],
            "contribution": pushes,
        }
    )
    table.attrs = {"base": 0.5, "probability": 0.5 + sum(pushes)}
    waterfall = plots.shapley_waterfall(table)
    _check(waterfall)
    _no_line_crosses_a_push(waterfall)
    texts = waterfall.axes[0].texts
    assert len(texts) == len(pushes) and texts[0].get_text().startswith("-30")  # every push still written


def test_spanish_diagrams(model):
    whole = diagrams.model_svg(model, rankdir="LR", spanish=True)
    assert "Edad: entrada" in whole and "red: ensamble de MLP" in whole and "(InputLayer)" not in whole
    member = diagrams.mlp_svg(heartnet.model.member_mlp(model), spanish=True)
    assert "Capa densa" in member and "activación: sigmoide" in member and "Units" not in member
    assert "dropout 0,5, solo al entrenar" in member and "Dropout" not in member  # a note, not a drawn node
    network = diagrams.model_svg(heartnet.model.network(model), spanish=True)
    assert "capa oculta 1: densa" in network and "forma de salida" in network and "Output shape" not in network


def test_correlations_and_categories_speak_spanish(dataset):
    heatmap = plots.correlations(dataset)
    assert "Edad" in [label.get_text() for label in heatmap.axes[0].get_xticklabels()]
    written = [text.get_text() for text in heatmap.axes[0].texts]  # each cell's correlation
    assert len(written) == 49 and all(re.fullmatch(r"-?\d,\d\d", text) for text in written), written
    rates = plots.categorical_positive_rates(dataset)
    ticks = [label.get_text() for ax in rates.axes for label in ax.get_xticklabels()]
    assert any(tick.startswith("Masculino") for tick in ticks) and not any(tick.startswith("M\n") for tick in ticks)


def test_the_decision_curve_draws_the_model_beside_treating_all_and_none(scores):
    from heartnet.evaluate import net_benefit

    y, p = scores
    fig = plots.decision_curve(y, p, threshold=0.2)
    _check(fig)
    lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
    assert {"heartnet", "estudiar a todos", "no estudiar a nadie"} <= set(lines)  # the notebook's verb
    curves = net_benefit(y, p)
    np.testing.assert_allclose(lines["heartnet"].get_ydata(), curves["model"])
    # Net benefit at a threshold t: true positives less false positives weighted by t / (1 - t).
    t = 0.2
    expected = ((p >= t) & (y == 1)).mean() - ((p >= t) & (y == 0)).mean() * t / (1 - t)
    assert curves.loc[t, "model"] == pytest.approx(expected)
    assert curves.loc[t, "all"] == pytest.approx(y.mean() - (1 - y.mean()) * t / (1 - t))
    # A hospital with few patients with the disease: its net benefit stays under 0,4, matplotlib ticks it every
    # 0,05, and no two ticks may read alike ("0,3 0,3" with one decimal).
    rng = np.random.default_rng(0)
    low = rng.uniform(0, 0.7, 300)
    fig = plots.decision_curve((rng.uniform(size=300) < low).astype(int), low, threshold=0.2)
    fig.savefig(io.BytesIO(), format="png")  # as the notebook draws it
    ticks = [label.get_text() for label in fig.axes[0].get_yticklabels() if label.get_text()]
    assert "0,05" in ticks and len(ticks) == len(set(ticks)), ticks
    with pytest.raises(ValueError, match="with and without coronary artery disease"):
        net_benefit(np.ones(10), np.linspace(0, 1, 10))


def test_the_recalibration_figure_has_a_panel_per_hospital_and_a_line_per_update():
    sizes = {
        str(k): {m: {"log_loss": 0.3 + k / 1000, "brier": 0.1, "calibration_slope": 1.0} for m in methods}
        for k, methods in ((25, ("none", "intercept", "auto")), (50, ("none", "intercept", "logistic", "auto")))
    }
    fig = plots.recalibration_by_sample_size({"Hungary": sizes, "Cleveland": sizes, "Switzerland": sizes}, draws=20)
    _check(fig)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in visible] == ["Hungría", "Cleveland", "Suiza"]
    labels = [line.get_label() for line in visible[0].get_lines()]
    assert labels == ["sin actualizar", "intercepto", "intercepto y pendiente", "automática"]
    slope_line = visible[0].get_lines()[2]
    assert list(slope_line.get_xdata()) == [50]  # the free slope only where it was fitted
    # one y axis for every hospital: a difference of 0,01 looks the same size in each panel
    assert len({ax.get_ylim() for ax in visible}) == 1
    assert "20 sorteos" in fig.get_suptitle()
    [legend] = fig.legends  # below the panels, not over a hospital's lines; it says what «automática» does
    assert [ax.get_legend() for ax in visible] == [None] * 3
    assert any(text.get_text().startswith("automática: ") for text in legend.get_texts())
    # the free slope has no point at 25: the legend says where it starts, instead of leaving a silent gap
    assert "intercepto y pendiente (desde 50 pacientes)" in [text.get_text() for text in legend.get_texts()]
    for k, chose in (("25", {"none": 17, "intercept": 3}), ("50", {"none": 12, "intercept": 8, "logistic": 0})):
        sizes[k]["auto_chose"] = chose  # what the automatic update picked, draw by draw: 20 draws in all
    assert "20 sorteos" in plots.recalibration_by_sample_size({"Hungary": sizes}).get_suptitle()


def test_the_hospital_figures_have_a_panel_per_hospital():
    rng = np.random.default_rng(0)
    hospitals = np.repeat(["Hungary", "Switzerland", "Long Beach VA", "Cleveland"], 60)
    p = rng.uniform(0.05, 0.95, len(hospitals))
    y = (rng.uniform(size=len(p)) < p).astype(int)
    for fig in (plots.calibration_by_hospital(y, p, hospitals), plots.decision_curves_by_hospital(y, p, hospitals)):
        _check(fig)
        titled = [ax.get_title() for ax in fig.axes if ax.axison]
        assert len(titled) == 4 and any(title.startswith("Suiza") for title in titled)
    curves = plots.decision_curves_by_hospital(y, p, hospitals, threshold=0.2)
    [legend] = curves.legends  # one legend, below the four panels, over no curve
    assert [ax.get_legend() for ax in curves.axes if ax.axison] == [None] * 4
    assert [text.get_text() for text in legend.get_texts()][:2] == ["heartnet", "estudiar a todos"]


def test_plain_number_ticks_are_written_with_a_decimal_comma():
    rng = np.random.default_rng(0)
    p = rng.uniform(size=200)
    fig = plots.calibration((rng.uniform(size=200) < p).astype(int), p)
    fig.savefig(io.BytesIO(), format="png")  # as the notebook and the app draw it
    labels = [label.get_text() for label in fig.axes[0].get_xticklabels()]
    assert "0,2" in labels and not any("." in label for label in labels), labels
