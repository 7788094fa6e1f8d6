"""TensorFlow's start-up lines never reach the user: its first import hides C-level writes to stderr, except on failure.

The guard is tested with modules of our own that write at import, from C
(``libc.write`` on file descriptor 2) and from Python, so these tests fail
without it even on a machine whose TensorFlow prints nothing at start-up.
Since descriptor 2 is the whole process's, the guard is used only for a first
import on the main thread; the tests check that it leaves stderr alone otherwise.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from heartnet.quiet import import_quietly

# C's write(): the C library's, whose descriptor table os.dup2 changes. On Windows that is the Universal C
# Runtime that CPython itself is built on (ucrtbase's _write); elsewhere libc, found in the running process.
_write = ctypes.CDLL("ucrtbase")._write if sys.platform == "win32" else ctypes.CDLL(None).write
C_WRITE = "(ctypes.CDLL('ucrtbase')._write if sys.platform == 'win32' else ctypes.CDLL(None).write)"  # in a module


def c_write(text: bytes) -> None:
    """Write to file descriptor 2 from C, as absl does, bypassing Python's sys.stderr."""
    assert _write(2, text, len(text)) == len(text)


@pytest.fixture
def noisy(tmp_path, monkeypatch):
    """``noisy(name, fail=False)``: a new module that writes to stderr from C and from Python when imported."""
    monkeypatch.syspath_prepend(str(tmp_path))
    names = []

    def make(name: str, *, fail: bool = False) -> str:
        source = (
            "import ctypes, sys\n"
            "line = b'I0000 port.cc:153] oneDNN custom operations are on\\n'\n"
            f"{C_WRITE}(2, line, len(line))\n"
            "print('Python said this', file=sys.stderr)\n"
            "VALUE = 42\n"
        )
        if fail:
            source += "raise ImportError('no TensorFlow here')\n"
        (tmp_path / f"{name}.py").write_text(source, encoding="utf-8")
        names.append(name)
        return name

    yield make
    for name in names:
        sys.modules.pop(name, None)


def test_a_first_import_hides_c_and_python_writes_and_stderr_works_after(noisy, capfd):
    assert import_quietly(noisy("noisy_first")).VALUE == 42
    c_write(b"after the guard\n")
    print("and from Python", file=sys.stderr)
    assert capfd.readouterr().err == "after the guard\nand from Python\n"


def test_what_was_written_is_replayed_when_the_import_fails(noisy, capfd):
    with pytest.raises(ImportError, match="no TensorFlow here"):
        import_quietly(noisy("noisy_failing", fail=True))
    err = capfd.readouterr().err
    assert "oneDNN custom operations are on" in err and "Python said this" in err


def test_a_module_already_imported_is_returned_without_touching_stderr(noisy, capfd):
    module = import_quietly(noisy("noisy_twice"))

    def refuse(*args):
        raise AssertionError(f"stderr redirected again: os.dup2{args}")

    with pytest.MonkeyPatch.context() as patch:  # only around the call: pytest's own capture needs dup2
        patch.setattr(os, "dup2", refuse)
        again = import_quietly("noisy_twice")
    assert again is module and capfd.readouterr().err == ""


def test_an_import_from_another_thread_redirects_nothing(noisy, capfd):
    """A Streamlit page imports in a thread of the server: other sessions' output must not be swallowed there."""
    name, imported = noisy("noisy_in_a_thread"), []
    worker = threading.Thread(target=lambda: imported.append(import_quietly(name)))
    worker.start()
    worker.join()
    assert imported[0].VALUE == 42
    err = capfd.readouterr().err
    assert "oneDNN custom operations are on" in err and "Python said this" in err  # not hidden: not redirected


# The whole command, in a process of its own: a meta-path hook writes to fd 2 from C
# whenever `tensorflow` starts to import, as TensorFlow does on some CPUs.
NOISY_TENSORFLOW = textwrap.dedent(
    """
    import ctypes, sys
    class Noisy:
        def find_spec(self, name, path=None, target=None):
            if name == "tensorflow":
                line = b"I0000 00:00:1 port.cc:153] oneDNN custom operations are on.\\n"
                C_WRITE(2, line, len(line))
            return None
    sys.meta_path.insert(0, Noisy())
    from heartnet import cli
    sys.exit(cli.main(sys.argv[1:]))
    """
).replace("C_WRITE", C_WRITE)


@pytest.mark.slow  # imports TensorFlow in a process of its own
def test_the_cli_prints_only_its_own_line_even_when_tensorflow_writes_at_import(trained_path, patient):
    """The guard is wired where heartnet imports TensorFlow: a write from C during that import never shows."""
    import json

    row = json.dumps({**patient, "MaxHR": 900})
    result = subprocess.run(
        [sys.executable, "-c", NOISY_TENSORFLOW, "predict", row, "--model", str(trained_path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr == "heartnet: error: field 'MaxHR': got 900; expected a number from 50 to 230 lpm\n"
    # The same hook around a bare import shows the line: the hook writes, so the silence above is the guard's.
    # (The hook then stops that import, which keeps this control cheap.)
    write = f"{C_WRITE}(2, line, len(line))"
    bare = NOISY_TENSORFLOW.replace(write, f"{write}\n            raise ImportError('stopped after the write')")
    bare = bare.replace("from heartnet import cli\nsys.exit(cli.main(sys.argv[1:]))", "import tensorflow")
    assert "import tensorflow" in bare and "stopped after the write" in bare
    control = subprocess.run([sys.executable, "-c", bare], capture_output=True, text=True, timeout=60)
    assert "stopped after the write" in control.stderr and "oneDNN custom operations are on" in control.stderr


def test_the_backend_imports_tensorflow_and_keras_only_through_the_guard():
    """heartnet.backend's imports of TensorFlow and Keras are ``import_quietly`` calls, not import statements.

    The slow subprocess tests prove the same end to end; this one keeps the wiring in the quick loop.
    """
    import ast

    import heartnet

    tree = ast.parse((Path(heartnet.__file__).parent / "backend.py").read_text(encoding="utf-8"))
    statements = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    statements += [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in statements if name.split(".")[0] in ("tensorflow", "keras")]
    guarded = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "import_quietly"
    ]
    assert guarded == ["tensorflow", "keras"]


def test_only_the_retracing_warnings_of_keras_s_own_functions_are_dropped_a_users_own_still_shows():
    """Each new Keras model traces its training and prediction functions once: many models are no retracing bug.

    The same warning about a function of the user's is a real one: importing heartnet must not hide it.
    """
    import logging

    import numpy as np

    from heartnet.backend import keras, tf

    seen = []
    catch = logging.Handler()
    catch.emit = lambda record: seen.append(record.getMessage())
    tf.get_logger().addHandler(catch)
    try:
        x = np.linspace(0, 1, 24, dtype="float32").reshape(-1, 2)
        for _ in range(7):  # a cross-validation's worth of small models, each predicting once: TensorFlow warns
            keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).predict_on_batch(x)
        assert seen == []

        @tf.function
        def users_step(value):
            return value * 2

        for value in range(7):  # a Python number retraces on each new value: the user's own bug
            users_step(value)
    finally:
        tf.get_logger().removeHandler(catch)
    assert seen and all("users_step" in message and "retracing" in message for message in seen)
