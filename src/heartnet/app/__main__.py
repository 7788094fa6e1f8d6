"""``python -m heartnet.app [streamlit options]``: serve the app, with TensorFlow loaded quietly first.

Streamlit runs each page in a thread of its server, where ``heartnet.quiet``
leaves stderr alone (descriptor 2 belongs to the whole process). Loading
TensorFlow here, in the main thread before the server starts, keeps its
start-up lines off the server's log; ``streamlit run`` on ``main.py`` works
too, with those lines in its log.
"""

import sys
from pathlib import Path

from streamlit.web import cli

import heartnet.backend  # noqa: F401  TensorFlow and Keras, quietly, in the main thread


def main() -> int:
    sys.argv = ["streamlit", "run", str(Path(__file__).with_name("main.py")), *sys.argv[1:]]
    return cli.main()


if __name__ == "__main__":
    sys.exit(main())
