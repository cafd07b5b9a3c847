"""Safe file writing: atomic replacement, output paths checked, inputs never overwritten.

Every file labeljury reads is remembered (:func:`register_input`, called by the
readers); :func:`atomic_write` refuses to replace one of them, so an output
folder that happens to hold the input (``--out .`` beside ``label_quality.csv``)
cannot destroy it. :func:`check_output_dir` / :func:`check_output_file` say
before any work starts whether an output path can be written.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import OutputError

__all__ = [
    "atomic_write",
    "check_not_input",
    "check_output_dir",
    "check_output_file",
    "register_input",
]

# Paths (resolved) of the files read in this process: a record of what must never be
# overwritten, not a setting.
_INPUTS: set[str] = set()


def _key(path: str | os.PathLike[str]) -> str:
    return os.path.normcase(os.path.realpath(os.fspath(path)))


def _inode(path: str | os.PathLike[str]) -> str | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"inode:{st.st_dev}:{st.st_ino}"  # a hard link is the same file by another name


def register_input(path: str | os.PathLike[str]) -> None:
    """Remember that ``path`` was read, so no output may replace it."""
    _INPUTS.add(_key(path))
    inode = _inode(path)
    if inode:
        _INPUTS.add(inode)


def check_not_input(
    path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()
) -> None:
    """Raise :class:`~labeljury.errors.OutputError` if ``path`` is a file that was read.

    ``inputs`` adds paths known to be inputs that were not read yet (the CLI's
    arguments, checked before any work starts).
    """
    key = _key(path)
    inode = _inode(path)
    if key in _INPUTS or (inode and inode in _INPUTS) or key in {_key(p) for p in inputs}:
        raise OutputError(
            f"{path}: refusing to overwrite an input file with an output; write "
            "the outputs to another folder (--out)"
        )


def _first_existing_parent(path: Path) -> Path:
    p = path
    while not os.path.lexists(p):
        if p.parent == p:
            break
        p = p.parent
    return p


def check_output_dir(directory: str | os.PathLike[str]) -> Path:
    """Check that ``directory`` is, or can be created as, a writable folder.

    Raises :class:`~labeljury.errors.OutputError` for a file where a folder is
    expected, a path under a file, a dangling symbolic link or a folder that
    is not writable. Nothing is created.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_dir(d / "new" / "out") == d / "new" / "out"
    True
    >>> (d / "f").write_text("x")
    1
    >>> check_output_dir(d / "f" / "out")
    Traceback (most recent call last):
    ...
    labeljury.errors.OutputError: ... is a file, not a folder ...
    """
    path = Path(directory)
    if os.path.islink(path) and not path.exists():
        raise OutputError(
            f"{path}: a symbolic link to {os.readlink(path)!r}, which does not "
            "exist; remove the link or point --out elsewhere"
        )
    existing = _first_existing_parent(path)
    if os.path.islink(existing) and not existing.exists():
        raise OutputError(
            f"{existing}: a symbolic link to a missing target, on the output "
            f"path {path}; remove it or point the output elsewhere"
        )
    if existing.exists() and not existing.is_dir():
        where = "" if existing == path else f" (on the output path {path})"
        raise OutputError(
            f"{existing} is a file, not a folder{where}; choose another output folder"
        )
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(
            f"{existing}: the folder is not writable; choose another output "
            "folder or fix its permissions"
        )
    return path


def check_output_file(
    path: str | os.PathLike[str], inputs: Iterable[str | os.PathLike[str]] = ()
) -> Path:
    """Check that ``path`` can be written as a file and is not an input.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> check_output_file(d / "x.csv").name
    'x.csv'
    """
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"{p} is a folder; expected a file name")
    if os.path.islink(p) and not p.exists():
        raise OutputError(
            f"{p}: a symbolic link to {os.readlink(p)!r}, which does not exist; "
            "remove the link or choose another name"
        )
    check_output_dir(p.parent)
    if p.exists() and not os.access(p, os.W_OK):
        raise OutputError(f"{p}: the file is not writable")
    check_not_input(p, inputs)
    return p


def atomic_write(path: str | os.PathLike[str], write: Callable[[str], None]) -> Path:
    """Call ``write(tmp_path)`` on a temporary file beside ``path``, then rename it.

    The rename (``os.replace``) is atomic on one file system, so a crash or an
    exception while writing leaves the previous file untouched and no
    half-written output behind. A file read in this process is never replaced
    (:class:`~labeljury.errors.OutputError`).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = tempfile.mkdtemp()
    >>> p = atomic_write(pathlib.Path(d) / "x.txt", lambda t: pathlib.Path(t).write_text("hi"))
    >>> p.read_text()
    'hi'
    """
    path = check_output_file(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise OutputError(f"{path}: cannot write ({exc.strerror or exc})") from exc
    os.close(fd)
    try:
        write(tmp)
        # mkstemp creates 0600; give the file the mode a plain open() would have
        if path.exists():
            mode = path.stat().st_mode & 0o777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path
