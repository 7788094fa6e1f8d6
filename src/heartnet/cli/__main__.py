"""``python -m heartnet.cli``: the heartnet command, where the console script is not on the PATH."""

import sys

from heartnet.cli import main

if __name__ == "__main__":  # importing the module (a tool that walks the package) runs nothing
    sys.exit(main())
