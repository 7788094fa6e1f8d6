"""Serve the app and drive it in headless Chromium: press «Predecir», read the probability, screenshot.

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


APP = Path(heartnet.__file__).resolve().parent / "app" / "main.py"


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
        sys.executable, "-m", "streamlit", "run", str(APP),
        "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--client.toolbarMode", "viewer",
    ]  # fmt: skip
    with tempfile.TemporaryFile("w+") as log:
        server = subprocess.Popen(command, env={**os.environ, **(env or {})}, stdout=log, stderr=subprocess.STDOUT)
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


def predict_in_browser(url: str, screenshot: str, *, timeout_ms: int = 90_000) -> str:
    """Open the app, press «Predecir» with the form's values, return the probability text shown."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    if executable is None:
        raise RuntimeError("Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 2000})
            page.goto(url, timeout=timeout_ms)
            page.get_by_role("button", name="Predecir").click(timeout=timeout_ms)
            metric = page.get_by_test_id("stMetricValue").first
            metric.wait_for(timeout=timeout_ms)
            # Wait for both charts (gauge and contributions) before the screenshot.
            page.get_by_text("Qué empujó el riesgo").wait_for(timeout=timeout_ms)
            page.locator("[data-testid='stImage'] img, [data-testid='stPyplot'] img, img").nth(1).wait_for(
                timeout=timeout_ms
            )
            page.wait_for_load_state("networkidle", timeout=timeout_ms)
            page.screenshot(path=screenshot, full_page=True)
            return metric.inner_text()
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    (out,) = argv if argv is not None else sys.argv[1:]
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    with serve() as (url, _):
        text = predict_in_browser(url, out)
    if not re.fullmatch(r"\d+(\.\d)?%", text.strip()):
        print(f"unexpected probability text: {text!r}", file=sys.stderr)
        return 1
    print(f"probability shown: {text}; screenshot in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
