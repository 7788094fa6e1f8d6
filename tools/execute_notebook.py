"""Execute a notebook top to bottom with nbclient: ``python tools/execute_notebook.py notebook.ipynb``.

A developer's tool, not part of the installed package: ``make run`` executes
``notebook.ipynb`` in place; the tests execute a copy. The result is written
atomically, so a failing cell never leaves a half-executed notebook behind:
the error is reported and the file is untouched.

No run timestamps are recorded in the cells' metadata (nbclient's
``record_timing`` is off), so re-executing the committed notebook changes only
the outputs that the run itself changes.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

__all__ = ["execute"]


def execute(path: str | Path, *, output: str | Path | None = None, timeout: int = 600):
    """Run every cell of the notebook at ``path`` (working folder: the notebook's) and save it.

    Returns the executed ``NotebookNode``. Raises ``nbclient.exceptions.CellExecutionError``
    on the first failing cell, without writing anything.
    """
    import nbformat
    from jupyter_client.manager import KernelManager
    from nbclient import NotebookClient

    from heartnet.files import write_atomically

    path = Path(path)
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:  # timestamps of an earlier run, if any
        cell.metadata.pop("execution", None)
    with tempfile.TemporaryDirectory() as sockets:
        # Local sockets (not TCP ports) between this process and the kernel: nothing listens on the network.
        # Windows has no such ZeroMQ transport: there the kernel listens on TCP ports of 127.0.0.1 only.
        if sys.platform == "win32":
            kernel = KernelManager(kernel_name="python3", transport="tcp", ip="127.0.0.1")
        else:
            kernel = KernelManager(kernel_name="python3", transport="ipc", ip=str(Path(sockets) / "kernel"))
        client = NotebookClient(
            notebook,
            km=kernel,
            timeout=timeout,
            record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        try:
            client.execute()
        finally:
            # nbclient leaves a kernel manager it was given running: stop the kernel here, so it
            # doesn't outlive this process (and warn "Parent appears to have exited").
            if kernel.has_kernel:
                kernel.shutdown_kernel()
    write_atomically(Path(output or path), lambda temporary: nbformat.write(notebook, str(temporary)))
    return notebook


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tools/execute_notebook.py", description=__doc__.splitlines()[0])
    parser.add_argument("notebook", help="the .ipynb to execute")
    parser.add_argument("--output", help="write the executed notebook here instead of in place")
    parser.add_argument("--timeout", type=int, default=600, help="seconds allowed per cell (default: 600)")
    args = parser.parse_args(argv)
    from nbclient.exceptions import CellExecutionError

    try:
        execute(args.notebook, output=args.output, timeout=args.timeout)
    except CellExecutionError as error:
        print(f"{args.notebook}: a cell failed; the notebook was not written\n{error}", file=sys.stderr)
        return 1
    print(f"executed {args.notebook}" + (f" into {args.output}" if args.output else " in place"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
