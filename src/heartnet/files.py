"""File helpers: checksums, and atomic writes (nothing is ever half-written) whose failures name the file.

Every file heartnet writes goes through ``atomic_paths`` (or its one-file
form ``write_atomically``): written to a temporary file beside its target,
moved onto it only when all is written. Missing folders are created, and
removed again if the write fails. When the operating system refuses (no
permission, a part of the path is a file, the disk is full), the error is a
``heartnet.errors.FileSystemError`` naming the target, as the user wrote it,
never the temporary file.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

from heartnet.errors import FileSystemError

__all__ = ["atomic_folder", "atomic_paths", "check_writable", "file_sha256", "write_atomically"]


def file_sha256(path: str | os.PathLike) -> str:
    """The sha256 of a file, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _make_folders(path: Path) -> list[Path]:
    """Create the missing folders above ``path``; return them, outermost first (to remove them if the write fails)."""
    missing = []
    folder = path.parent
    while not folder.is_dir():
        if folder.exists() or folder.is_symlink():  # a file where a folder should be
            raise FileSystemError(path, "no_such_folder", detail=f"{folder} is not a folder")
        missing.append(folder)
        folder = folder.parent
    created = []
    try:
        for folder in reversed(missing):
            folder.mkdir()
            created.append(folder)
    except OSError as error:
        _remove_folders(created)
        raise FileSystemError.from_os_error(error, path) from None
    return created


def _remove_folders(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):  # not empty any more: someone else uses it
            folder.rmdir()


def _target(path: Path) -> Path:
    """The file a write to ``path`` replaces: a symlink's target (the link stays a link); only a regular file."""
    try:
        real = Path(os.path.realpath(path)) if path.is_symlink() else path
        if real.exists() and not real.is_file():
            raise FileSystemError(path, "is_folder" if real.is_dir() else "not_a_file")
    except OSError as error:  # a folder on the way that may not be searched
        raise FileSystemError.from_os_error(error, path) from None
    return real


def _umask() -> int:
    """This process's umask, read without setting it (os.umask would change it for every thread meanwhile)."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    return 0o022


def _temporary_beside(path: Path) -> Path:
    """A new file beside ``path`` with the mode the file will have: the old file's, or a new file's (not 0600)."""
    try:
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=path.suffix)
        os.close(handle)
        os.chmod(temporary, path.stat().st_mode & 0o777 if path.exists() else 0o666 & ~_umask())
    except OSError as error:
        raise FileSystemError.from_os_error(error, path) from None
    return Path(temporary)


@contextlib.contextmanager
def atomic_paths(*paths: str | os.PathLike) -> Iterator[list[Path]]:
    """One temporary file beside each of ``paths``, moved onto them when the block ends without error.

    A symlinked path is written through to its target; a path that exists but
    is not a regular file (a folder, a device, a pipe) is refused with a
    ``FileSystemError``. The file keeps the mode of the one it replaces (a new
    one gets the usual mode for the umask).

    If the block fails (an exception, even an interrupt), every temporary
    file and every folder made for them is removed and every target is left
    as it was. An ``OSError`` on a temporary file or target (or without a
    file name, as a write to a full disk raises it) becomes a
    ``FileSystemError`` naming the target (the first one when the system
    does not say which); other errors pass unchanged.
    """
    paths = [_target(Path(path)) for path in paths]
    created: list[Path] = []
    temporaries: list[Path] = []
    try:
        for path in paths:
            created += _make_folders(path)
            temporaries.append(_temporary_beside(path))
        yield temporaries
        for temporary, path in zip(temporaries, paths, strict=True):
            os.replace(temporary, path)
    except BaseException as error:
        for temporary in temporaries:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        _remove_folders(created)
        if isinstance(error, OSError):
            named = _named(error, paths, temporaries)
            if named is not None:
                raise named from None
        raise


def _named(error: OSError, paths: list[Path], temporaries: list[Path]) -> FileSystemError | None:
    """``error`` as a ``FileSystemError`` of the target it concerns, or None if it concerns another file."""
    if error.filename is None:
        return FileSystemError.from_os_error(error, paths[0])
    concerned = {os.fspath(temporary): path for temporary, path in zip(temporaries, paths, strict=False)}
    concerned |= {os.fspath(path): path for path in paths}
    path = concerned.get(os.fspath(error.filename))
    return None if path is None else FileSystemError.from_os_error(error, path)


@contextlib.contextmanager
def atomic_folder(directory: str | os.PathLike) -> Iterator[Path]:
    """A path (not yet made) in a temporary folder beside ``directory``, moved onto it when the block ends.

    ``directory`` must not exist or be an empty folder (the caller checks).
    If the block fails, the temporary folder and every folder made for it
    are removed; an ``OSError`` on them (or without a file name) becomes a
    ``FileSystemError`` naming ``directory``, as in ``atomic_paths``.
    """
    directory = Path(directory)
    created = _make_folders(directory)
    try:
        staging = Path(tempfile.mkdtemp(dir=directory.parent, prefix=f".{directory.name}."))
    except OSError as error:
        _remove_folders(created)
        raise FileSystemError.from_os_error(error, directory) from None
    try:
        yield staging / directory.name
        if directory.exists():
            directory.rmdir()
        os.replace(staging / directory.name, directory)
    except BaseException as error:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_folders(created)
        if isinstance(error, OSError) and _concerns(error, (directory, staging)):
            raise FileSystemError.from_os_error(error, directory) from None
        raise
    staging.rmdir()


def _concerns(error: OSError, folders: tuple[Path, ...]) -> bool:
    """Whether ``error`` is about one of ``folders`` or a file in them (or names no file, as a full disk's)."""
    if error.filename is None:
        return True
    path = Path(os.fsdecode(error.filename))
    return any(path == folder or folder in path.parents for folder in folders)


def write_atomically(path: str | os.PathLike, write: Callable[[Path], object]) -> None:
    """Call ``write(temporary_path)``, then move the result onto ``path`` in one step (see ``atomic_paths``).

    If ``write`` fails, the temporary file is removed and ``path`` is untouched.
    """
    with atomic_paths(path) as (temporary,):
        write(temporary)


def check_writable(path: str | os.PathLike) -> None:
    """Raise ``FileSystemError`` now if ``path`` could not be written (before a long job that ends writing it).

    Its folders are made and a temporary file created beside it, then both
    are removed again: ``path`` itself is not touched.
    """
    path = Path(path)
    created = _make_folders(path)
    try:
        _temporary_beside(path).unlink()
    finally:
        _remove_folders(created)
