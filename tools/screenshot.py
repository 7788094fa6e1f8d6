"""Serve the app and drive it in headless Chromium: type a patient, press «Predecir», read the probability, screenshot.

    python tools/screenshot.py OUT.png

A developer's tool, not part of the installed package: used by the browser
test and by ``make screenshot`` (which refreshes docs/app.png).
Playwright drives Debian's Chromium (``/usr/bin/chromium``, or ``CHROMIUM``):
Playwright's own browser download is not available here.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import heartnet

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def serve(*, env: dict | None = None, timeout: float = 60) -> Iterator[tuple[str, Callable[[], str]]]:
    """Run `streamlit run` on a free port of 127.0.0.1 until the block ends.

    Yields the app's URL and a function that returns what the server has logged so far.
    """
    port = free_port()
    command = [
        sys.executable, "-m", "heartnet.app",  # streamlit run on the app, TensorFlow loaded quietly first
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(  # from the repository's root, so that .streamlit/config.toml applies
            command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT
        )
        url = f"http://127.0.0.1:{port}"

        def read_log() -> str:
            log.flush()
            log.seek(0)
            return log.read()

        try:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        log.seek(0)
                        raise RuntimeError(f"the app did not start:\n{log.read()}") from None
                    time.sleep(0.5)
            yield url, read_log
        finally:
            server.terminate()
            server.wait(timeout=20)


def chromium_path() -> str | None:
    """Debian's Chromium, if installed."""
    return os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


# A patient whose explanation is worth a screenshot: risk pushed both ways. Numbers are typed as a
# Spanish speaker types them (a decimal comma).
EXAMPLE = {
    "Age": "61",
    "Sex": "F",
    "ChestPainType": "ASY",
    "RestingBP": "130",
    "Cholesterol": "",  # not measured
    "FastingBS": 0,
    "RestingECG": "Normal",
    "MaxHR": "150",
    "ExerciseAngina": "N",
    "Oldpeak": "0,8",
    "ST_Slope": "Flat",
}


@contextlib.contextmanager
def browser_page(*, timeout_ms: int = 90_000):
    """A page of headless Debian Chromium, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 2000}, locale="es-AR")
            page.set_default_timeout(timeout_ms)
            yield page
        finally:
            browser.close()


def fill_patient(page, patient: dict) -> None:
    """Type the patient into the prediction form as a person would: numbers as text, choices from their lists."""
    for feature in heartnet.FEATURES:
        value = patient[feature.name]
        if feature.kind == "numeric":
            if feature.nullable and value in ("", None):
                page.get_by_text(f"{feature.label}: no medido").click()
                continue
            box = page.get_by_role("textbox", name=f"{feature.label} ({feature.unit})", exact=True)
            box.fill(str(value))
            box.press("Tab")
        else:  # a select box: open its list, then pick the option
            page.get_by_role("combobox", name=feature.label, exact=True).click()
            meaning = feature.meaning(value)  # shown once when code and meaning are one word, as the app does
            option = meaning if meaning == str(value) else f"{value} — {meaning}"
            page.get_by_role("option", name=option, exact=True).click()


def predict_in_browser(url: str, screenshot: str, patient: dict | None = None) -> str:
    """Open the app, type ``patient`` (None: keep the form's typical patient), press «Predecir».

    Waits for the gauge and the Shapley waterfall, saves a full-page screenshot
    and returns the probability text the page shows.
    """
    with browser_page() as page:
        page.goto(url)
        page.get_by_role("button", name="Predecir").wait_for()
        if patient is not None:
            fill_patient(page, patient)
        page.get_by_role("button", name="Predecir").click()
        metric = page.get_by_test_id("stMetricValue").first
        metric.wait_for()
        page.get_by_text("¿Por qué esa probabilidad?").wait_for()
        page.locator("[data-testid='stImage'] img, [data-testid='stPyplot'] img").nth(1).wait_for()  # both figures
        page.wait_for_load_state("networkidle")
        page.screenshot(path=screenshot, full_page=True)
        return metric.inner_text()


def validate_in_browser(url: str, csv_file: str, download: str) -> dict:
    """Open «Validar en mi hospital», upload a labelled ``csv_file``, recalibrate (auto), save the zip to ``download``.

    Returns the metrics shown and the success message.
    """
    with browser_page() as page:
        page.goto(f"{url}/validar")
        page.locator("input[type='file']").set_input_files(csv_file)
        page.get_by_test_id("stMetricValue").nth(7).wait_for()  # the eight metrics of the local evaluation
        labels = page.get_by_test_id("stMetricLabel").all_inner_texts()
        values = page.get_by_test_id("stMetricValue").all_inner_texts()
        page.get_by_role("button", name="Recalibrar").click()
        button = page.get_by_role("button", name="Descargar el modelo recalibrado")
        button.wait_for()
        with page.expect_download() as downloaded:
            button.click()
        downloaded.value.save_as(download)
        success = page.get_by_test_id("stAlertContentSuccess").inner_text()
        return {"metrics": dict(zip(labels, values, strict=True)), "success": success}


def main(argv: list[str] | None = None) -> int:
    (out,) = argv if argv is not None else sys.argv[1:]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with serve() as (url, _):
        text = predict_in_browser(url, out, EXAMPLE)
    if not re.fullmatch(r"\d+(,\d)? %", text.strip()):
        print(f"unexpected probability text: {text!r}", file=sys.stderr)
        return 1
    print(f"probability shown: {text}; screenshot in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
