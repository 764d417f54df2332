"""One run at a time per output folder.

Two runs writing one folder would interleave cache records, history rows and
table switches. An OS-level lock (filelock: `flock` on Unix) on
`<output folder>/.lock` keeps them apart; the kernel drops it when its process
dies, even by SIGKILL, so a crashed run never leaves a stale lock behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_NAME = ".lock"


class OutputBusy(RuntimeError):
    """Another run holds the output folder."""

    def __init__(self, out_dir: Path, holder: str = "") -> None:
        self.out_dir = Path(out_dir)
        by = f" ({holder})" if holder else ""
        super().__init__(
            f"output folder {self.out_dir} is in use by another claims run{by}; "
            f"wait for it to finish, or write to another folder with --out"
        )


@contextmanager
def output_lock(out_dir: Path, holder: Callable[[], str] = str) -> Iterator[None]:
    """Hold `out_dir` for the duration; `holder()` describes the other run if it is taken."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(out_dir / LOCK_NAME, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise OutputBusy(out_dir, holder()) from None
    try:
        yield
    finally:
        lock.release()


def is_busy(out_dir: Path) -> bool:
    """Whether another run holds `out_dir` right now (so a command can say so before starting up)."""
    if not (Path(out_dir) / LOCK_NAME).exists():
        return False
    try:
        with output_lock(out_dir):
            return False
    except OutputBusy:
        return True
