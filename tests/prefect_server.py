"""A real Prefect server (`prefect server start`) on 127.0.0.1, for tests and benchmarks.

It gets a free port and its own PREFECT_HOME (so its database is fresh and
nobody else's), runs in its own process group, and `stop()` ends that whole
group, so nothing it started outlives it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

QUIET = {
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def end_group(proc: subprocess.Popen, grace: float = 20.0) -> None:
    """SIGTERM the process group of `proc` (started with start_new_session), then SIGKILL what is left."""
    pgid = proc.pid
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            break
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
    proc.wait(timeout=10)


def group_alive(proc: subprocess.Popen) -> bool:
    try:
        os.killpg(proc.pid, 0)
    except ProcessLookupError:
        return False
    return True


class PrefectServer:
    """`prefect server start --host 127.0.0.1` in the background."""

    def __init__(self, home: Path) -> None:
        self.home = Path(home)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/api"
        self.log = self.home / "server.log"
        self.proc: subprocess.Popen | None = None

    def client_env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for a process that should talk to this server (and never start its own)."""
        env = dict(os.environ if base is None else base)
        env.update(QUIET)
        env["PREFECT_API_URL"] = self.url
        return env

    def start(self) -> PrefectServer:
        self.home.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
        env.update(QUIET, PREFECT_HOME=str(self.home))
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
                env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
            )
        return self

    def wait_ready(self, timeout: float = 180.0) -> PrefectServer:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise RuntimeError(f"Prefect server exited; log:\n{self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        raise TimeoutError(f"Prefect server not ready after {timeout:.0f} s; log:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        if self.proc is not None:
            end_group(self.proc)

    def __enter__(self) -> PrefectServer:
        return self.start().wait_ready()

    def __exit__(self, *exc) -> None:
        self.stop()
