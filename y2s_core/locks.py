"""A cross-process lock on a file: one writer at a time, the others told who holds it (no waiting).

    with hold_lock(data_dir / "sync.lock", "sync"):      # LockBusy when another process holds it
        ...

The operating system's lock (``fcntl.flock`` on POSIX, ``msvcrt.locking`` on Windows) is released when
its holder exits, however it exits (a killed cron run leaves no stale lock to clean up); the file's text
(pid, start time, what) is only there to say who holds it. Shared by anything that must not run twice at
once on one data folder: the scheduled ``sync``, a local workbook being written.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from .errors import Y2SError


class LockBusy(Y2SError):
    """Another process holds the lock (exit 1: try again later). ``holder`` is its note (pid, since)."""

    def __init__(self, message: str, *, holder: str = "") -> None:
        super().__init__(message)
        self.holder = holder


def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False


def _unlock(fd: int) -> None:
    if os.name == "nt":  # pragma: no cover
        import msvcrt

        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_UN)


def _read_note(fd: int) -> str:
    try:
        os.lseek(fd, 0, os.SEEK_SET)
        return os.read(fd, 200).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _write_note(fd: int, note: str) -> None:
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.lseek(fd, 0, os.SEEK_SET)
        os.write(fd, note.encode("utf-8"))


_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)  # a folder this user may not write (or a read-only mount)


def fallback_lock_path(path: Path | str) -> Path:
    """Where the lock at ``path`` goes when its folder is read-only: the system's temporary folder, under a
    name made of this user and a hash of the folder's real path, so every run of this user for one data
    folder meets the same lock (``hold_lock`` refuses one that another user created there)."""
    path = Path(path)
    folder = os.path.realpath(path.parent)
    digest = hashlib.sha256(os.fsencode(folder)).hexdigest()[:16]
    user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
    return Path(tempfile.gettempdir()) / f"y2s-{user}-{digest}-{path.name}"


def _open(path: Path, what: str) -> int:
    """The lock file's descriptor; OSError as the OS said it, Y2SError for a symbolic link at its name."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # never through a symbolic link: a link planted at the lock's name would make this truncate (or create)
        # whatever it points to
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0),
                       0o644)
    except OSError:
        if path.is_symlink():
            raise Y2SError(f"The {what} lock file {path} is a symbolic link; remove it (a lock file is never followed "
                           "to another file).") from None
        raise


@contextlib.contextmanager
def hold_lock(path: Path | str, what: str, *, fallback: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the lock at ``path`` for the block; ``LockBusy`` at once when another process holds it.

    ``what`` names the work in the note and the error ("sync"). A folder that cannot hold the file is a
    ``Y2SError`` naming it, unless ``fallback`` is given: then, when the folder is read-only for this
    user, the lock is taken at ``fallback_lock_path(path)`` instead and ``fallback`` is told so (one line).
    That lock keeps two runs of this user apart; a run of another user (one who may write the folder)
    takes the lock in the folder and is not kept out by it.
    """
    path = Path(path)
    try:
        fd = _open(path, what)
    except OSError as e:
        if fallback is None or e.errno not in _READ_ONLY:
            raise Y2SError(f"Cannot create the {what} lock file {path}: {e.strerror or e}. Check Y2S_DATA_DIR.") from None
        other = fallback_lock_path(path)
        try:
            fd = _open(other, what)
        except OSError as e2:
            raise Y2SError(f"Cannot create the {what} lock file {path} ({e.strerror or e}) nor {other} "
                           f"({e2.strerror or e2}). Check Y2S_DATA_DIR.") from None
        if hasattr(os, "getuid") and os.fstat(fd).st_uid != os.getuid():  # planted in the shared temp folder
            os.close(fd)
            raise Y2SError(f"Cannot create the {what} lock file {path} ({e.strerror or e}), and {other} belongs to "
                           "another user; remove it, or make Y2S_DATA_DIR writable.") from None
        fallback(f"{path.parent} is not writable ({e.strerror or e}): the {what} lock is {other} instead "
                 f"(it keeps this user's {what} runs apart, not another user's).")
        path = other
    try:
        if not _try_lock(fd):
            holder = _read_note(fd)
            raise LockBusy(f"Another {what} is running{f' ({holder})' if holder else ''}; this one did not start "
                           f"(lock file {path}). Try again when it has finished.", holder=holder)
        _write_note(fd, f"{what}: pid {os.getpid()}, since {datetime.now(timezone.utc):%Y-%m-%d %H:%M:%S} UTC")
        try:
            yield
        finally:
            _write_note(fd, "")
            _unlock(fd)
    finally:
        os.close(fd)


__all__ = ["LockBusy", "fallback_lock_path", "hold_lock"]
