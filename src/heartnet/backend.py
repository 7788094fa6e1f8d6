"""The one place heartnet imports TensorFlow and Keras, with their start-up lines kept off the terminal.

Every heartnet module that needs TensorFlow imports it from here
(``from heartnet.backend import keras, tf``), never directly, so the CLI, the
notebook and the app all load it through ``heartnet.quiet.import_quietly``:
absl's and oneDNN's start-up lines, which ``TF_CPP_MIN_LOG_LEVEL`` cannot
silence, never reach the user's terminal, and an import that fails still
shows them. This module runs once per process, so stderr is redirected at
most once: around the first import of TensorFlow and Keras, and only when
that happens on the main thread (not in a Streamlit page's thread, where the
lines go to the server's log). Once TensorFlow is loaded, a later
``import keras`` anywhere is quiet too (it is already in ``sys.modules``).
"""

from __future__ import annotations

import logging
import os

from heartnet.quiet import import_quietly

__all__ = ["keras", "tf"]

# Later C++ log lines (not the start-up ones) obey this; a user's own setting wins.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

tf = import_quietly("tensorflow")
keras = import_quietly("keras")


class _RetracingNoise(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning, and only that one.

    Each freshly trained model traces its own functions once; when a session
    trains many models (cross-validation, the notebook's experiments)
    TensorFlow mistakes that for a retracing bug and warns on every call.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


tf.get_logger().addFilter(_RetracingNoise())
