"""Safe file I/O for local workbooks: the cross-process lock, the atomic write, OS errors as clear errors.

``exclusive(path)`` is held around a whole push (read -> plan -> write) so two pushes to one workbook
never read the same old file and each drop the other's rows. It is a lock file beside the real file
(``.videos.xlsx.lock``, removed again on release), locked with:

* POSIX: ``fcntl.flock``. Its lock belongs to the open file description, so two *threads* that each
  open the lock file (two Streamlit sessions in one server process) exclude each other as well as two
  processes do; ``fcntl.lockf``/``F_SETLK`` record locks belong to the process and would not. The
  stdlib is enough here: the well-kept ``filelock`` package does the same (flock, unlink on release,
  the ``st_nlink`` check below) but is not a dependency of this project.
* Windows: ``msvcrt.locking`` on the lock file's first byte (the file is left in place: an open file
  cannot be removed there).
* A per-path ``threading.Lock`` in front of both, for file systems where flock degrades to a
  per-process lock (NFS).

Waiting polls every few tens of milliseconds up to a timeout, then ``SheetsError("busy: ...")``.

``atomic_write(path, data)`` writes a temporary file beside the real file (through a symlink, to its
target), gives it the old file's mode and owner (a new file gets 0666 minus the umask, as any program
creating a file would), fsyncs it, renames it over the file and fsyncs the folder: after a crash the
workbook is the old one or the new one, never half of each, and never a file with other permissions.
"""

from __future__ import annotations

import contextlib
import errno
import os
import random
import secrets
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from glob import escape as glob_escape
from pathlib import Path

from ..errors import InputError, PermissionDenied, SheetsError, Y2SError

LOCK_TIMEOUT_SECONDS = 60.0  # a push of 20,000 rows into a big .xlsx takes a few seconds
_POLL_SECONDS = (0.02, 0.08)
_thread_locks: dict[str, threading.Lock] = {}
_thread_locks_guard = threading.Lock()

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(fd: int) -> bool:
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True

    def _unlock(fd: int, lock_path: Path) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

    def _stale(fd: int) -> bool:
        return False

    def _let_go(fd: int) -> None:
        pass

else:
    import fcntl

    def _try_lock(fd: int) -> bool:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True

    def _unlock(fd: int, lock_path: Path) -> None:
        with contextlib.suppress(OSError):  # unlink first: a waiter then sees st_nlink == 0 and retries
            lock_path.unlink()
        fcntl.flock(fd, fcntl.LOCK_UN)

    def _stale(fd: int) -> bool:
        """Locked a lock file that its previous holder removed meanwhile: start again with a fresh one."""
        return os.fstat(fd).st_nlink == 0

    def _let_go(fd: int) -> None:
        """Release a stale lock without removing anything (the path may already name a fresh lock file)."""
        fcntl.flock(fd, fcntl.LOCK_UN)


def check_path_text(path: Path | str) -> None:
    """THE check that a path (or file name) given by anyone is text a file system and every face can hold:
    ``InputError`` (exit 2, HTTP 400) naming the first character that is not, before the path is used.

    No system call takes a NUL. Nor is a surrogate text: a byte that is not UTF-8 in a command-line argument
    (Python keeps it as U+DC80..U+DCFF), or a lone ``\\ud800`` from JSON. The OS takes the first, but the
    workbook's name could then not be printed, logged, stored or sent back as JSON; the second no OS call
    takes at all."""
    text = str(path)
    what = "path" if any(sep in text for sep in "/\\") else "file name"
    if "\x00" in text:  # no system call takes it (Python raises ValueError)
        raise InputError(f"The {what} {shown(text)} holds a NUL character (\\x00); give a name without it.")
    bad = next((ch for ch in text if "\ud800" <= ch <= "\udfff"), None)
    if bad is None:
        return
    code = ord(bad)
    why = (f"the byte \\x{code - 0xDC00:02x} of a name that is not UTF-8" if 0xDC80 <= code <= 0xDCFF
           else "half of a surrogate pair")
    raise InputError(f"The {what} {shown(text)} is not valid text: it holds \\u{code:04x} ({why}). Rename the "
                     "file or give a name in UTF-8.")


def user_path(path: Path | str) -> Path:
    """``~`` and ``~user`` expanded; an unknown user's home is a clear error (pathlib raises RuntimeError), and
    so is a path that is not text (``check_path_text``)."""
    check_path_text(path)
    try:
        return Path(path).expanduser()
    except RuntimeError:  # ~nosuchuser/..., or a file name such as ~.xlsx
        raise InputError(f"{shown(path)}: no such home folder; give the full path (or ./ before a name "
                         "starting with ~).") from None


def shown(path: Path | str) -> str:
    """A path fit for a one-line message: unprintable characters escaped, long ones keep start and end."""
    text = str(path)
    if len(text) > 120:
        text = f"{text[:50]}…{text[-60:]}"
    if not text.isprintable():
        text = "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)
    return text


def os_error(e: OSError, path: Path | str, doing: str) -> Y2SError:
    """An OSError met while ``doing`` ('read', 'write') ``path`` -> the error a user can act on."""
    where = shown(path)
    if e.errno == errno.ENAMETOOLONG:
        return InputError(f"The path {where} is too long for this system ({len(str(path)):,} characters); use a "
                          "shorter file name or folder.")
    if e.errno in (errno.EACCES, errno.EPERM):
        return PermissionDenied(f"Cannot {doing} {where}: permission denied; pick a folder you may write to, or "
                                "change the file's permissions.", email=None, status=None)
    if e.errno == errno.EROFS:
        return SheetsError(f"Cannot {doing} {where}: the file system is read-only; pick another folder.")
    if e.errno == errno.ENOSPC:
        return SheetsError(f"Cannot {doing} {where}: the disk is full.")
    reason = (e.strerror or type(e).__name__).rstrip(".")
    return SheetsError(f"Cannot {doing} {where}: {reason}.")


def real_path(path: Path) -> Path:
    """Where ``path`` really is (symlinks followed, even a dangling one): the file a push writes."""
    return Path(os.path.realpath(path))


def _thread_lock(key: str) -> threading.Lock:
    with _thread_locks_guard:
        return _thread_locks.setdefault(key, threading.Lock())


def _open_lock_file(lock_path: Path) -> int:
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    return os.open(lock_path, flags, 0o666)


@contextlib.contextmanager
def exclusive(path: Path, timeout: float | None = None, waiting: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the workbook's lock (cross-process and cross-thread) for the ``with`` block.

    ``waiting`` is told once when another push holds it; after ``timeout`` seconds (default
    ``LOCK_TIMEOUT_SECONDS``): ``SheetsError("busy: another push is writing <file>; try again ...")``.
    """
    limit = LOCK_TIMEOUT_SECONDS if timeout is None else timeout
    deadline = time.monotonic() + limit
    real = real_path(path)
    lock_path = real.with_name(f".{real.name[:200]}.lock")
    busy = SheetsError(f"busy: another push is writing {shown(path)}; try again in a minute.")
    told = False

    def wait_a_little() -> None:
        nonlocal told
        if time.monotonic() >= deadline:
            raise busy
        if not told and waiting is not None:
            waiting(f"Waiting for another push to finish writing {shown(path)}")
            told = True
        time.sleep(random.uniform(*_POLL_SECONDS))

    in_process = _thread_lock(str(real))
    while not in_process.acquire(timeout=0.05):
        wait_a_little()
    try:
        try:
            real.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise os_error(e, path, "write") from None
        while True:
            try:
                fd = _open_lock_file(lock_path)
            except OSError as e:
                raise os_error(e, path, "write") from None
            if _try_lock(fd):
                if not _stale(fd):
                    break
                _let_go(fd)
                os.close(fd)
                continue
            os.close(fd)
            wait_a_little()
        try:
            yield
        finally:
            try:
                _unlock(fd, lock_path)
            finally:
                os.close(fd)
    finally:
        in_process.release()


def _create_temp(folder: Path, name: str) -> tuple[int, Path]:
    """A new, empty temporary file in ``folder`` created with mode 0666: the kernel applies the umask.

    (``tempfile.mkstemp`` would create it 0600, and reading the umask means setting it, which is not
    thread-safe.)
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = folder / f".{name[:200]}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary file name", str(folder))


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable (POSIX; a no-op where folders cannot be opened)."""
    if os.name != "posix":  # pragma: no cover
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:  # some file systems refuse fsync on a folder (EINVAL): the data itself is synced
        pass
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace the file at ``path`` (its symlink target, if it is one) with ``data``, all or nothing."""
    real = real_path(path)
    try:
        real.parent.mkdir(parents=True, exist_ok=True)
        try:
            old = os.stat(real)
        except FileNotFoundError:
            old = None
        fd, tmp = _create_temp(real.parent, real.name)
    except OSError as e:
        raise os_error(e, path, "write") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            if old is not None:
                _copy_mode_and_owner(f.fileno(), tmp, old)
            os.fsync(f.fileno())
        os.replace(tmp, real)
    except BaseException as e:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(e, OSError):
            raise os_error(e, path, "write") from None
        raise
    _fsync_folder(real.parent)
    _remove_stale_temps(real)


STALE_TEMP_SECONDS = 600  # a push writes its temp file within seconds; one this old was left by a killed push


def _remove_stale_temps(real: Path) -> None:
    """Remove temp files a killed push left beside ``real`` (only old ones: never a live writer's)."""
    cutoff = time.time() - STALE_TEMP_SECONDS
    with contextlib.suppress(OSError):
        for tmp in real.parent.glob(f".{glob_escape(real.name[:200])}.*.tmp"):
            with contextlib.suppress(OSError):
                if tmp.stat().st_mtime < cutoff:
                    tmp.unlink()


def _copy_mode_and_owner(fd: int, tmp: Path, old: os.stat_result) -> None:
    mode = stat.S_IMODE(old.st_mode)
    if hasattr(os, "fchown") and (old.st_uid, old.st_gid) != (os.geteuid(), os.getegid()):
        with contextlib.suppress(OSError):  # only root (or the same group) may give a file away
            os.fchown(fd, old.st_uid, old.st_gid)
    if hasattr(os, "fchmod"):
        os.fchmod(fd, mode)  # after fchown, which may clear set-id bits
    else:  # pragma: no cover - Windows: only the read-only bit exists
        os.chmod(tmp, mode)


__all__ = ["LOCK_TIMEOUT_SECONDS", "exclusive", "atomic_write", "check_path_text", "os_error", "real_path", "shown",
           "user_path"]
