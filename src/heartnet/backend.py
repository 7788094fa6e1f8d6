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

``import heartnet`` runs none of this (its modules load lazily); the first
module that needs TensorFlow does, and then changes two process-wide things,
both the least that keeps heartnet's output clean:

- ``TF_CPP_MIN_LOG_LEVEL`` is set to 2 (TensorFlow's C++ errors only) when
  the user has not set it: a value of the user's own, even empty, wins;
- one filter on TensorFlow's logger drops the warning that Keras's own
  training and prediction functions "triggered tf.function retracing" (each
  new model traces its own once: a cross-validation is no retracing bug),
  and nothing else: the same warning about a function of the user's passes.
"""

from __future__ import annotations

import logging
import os

from heartnet.quiet import import_quietly

__all__ = ["keras", "tf"]

# Read by TensorFlow when it loads, so set before it does (see the docstring).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

tf = import_quietly("tensorflow")
keras = import_quietly("keras")


class _KerasRetracing(logging.Filter):
    """Drop TensorFlow's "triggered tf.function retracing" warning about Keras's trainer functions, and only that."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("triggered tf.function retracing" in message and "<function TensorFlowTrainer." in message)


tf.get_logger().addFilter(_KerasRetracing())
