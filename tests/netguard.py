"""A network guard for tests: every attempt to reach a non-loopback address is refused and recorded.

Recording matters as much as refusing: libraries that fall back quietly when the network fails
(tldextract falls back to its bundled suffix list) would otherwise hide the attempt. Used in two
ways: `guarded(log)` in the test process, and, copied as `sitecustomize.py` onto PYTHONPATH with
NETGUARD_LOG set, in a child process and every process it starts (Prefect's temporary server).
Each record is a JSON line: `installed` (pid), `loopback` (allowed) or `blocked` (what and where).
"""

from __future__ import annotations

import contextlib
import errno
import ipaddress
import json
import os
import socket
import traceback

_LOCAL_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}
_INET = (socket.AF_INET, socket.AF_INET6)


def is_local(host: object) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    name = name.strip("[]").split("%")[0].lower()
    if name in _LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def install(log_path: str):
    """Patch the socket module of this process; returns a function that undoes it."""
    originals = {
        "connect": socket.socket.connect, "connect_ex": socket.socket.connect_ex, "sendto": socket.socket.sendto,
        "getaddrinfo": socket.getaddrinfo, "gethostbyname": socket.gethostbyname,
        "gethostbyname_ex": socket.gethostbyname_ex,
    }

    def record(kind: str, what: str, target: object) -> None:
        entry = {"kind": kind, "pid": os.getpid(), "call": what, "target": repr(target)}
        if kind == "blocked":
            entry["stack"] = "".join(traceback.format_stack(limit=12)[:-2])
        with open(log_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")

    def refuse(what: str, target: object) -> OSError:
        record("blocked", what, target)
        return OSError(errno.ENETUNREACH, f"network disabled by the test guard ({what} {target!r})")

    def checked(name: str, target_of):
        original = originals[name]

        def guard(self, *args):
            target = target_of(args)
            if self.family in _INET and isinstance(target, tuple):
                if not is_local(target[0]):
                    raise refuse(name, target)
                record("loopback", name, target)
            return original(self, *args)

        return guard

    def lookup(name: str):
        original = originals[name]

        def guard(host, *args, **kwargs):
            if not is_local(host):
                record("blocked", name, host)
                raise socket.gaierror(socket.EAI_NONAME, f"name lookup disabled by the test guard ({host!r})")
            return original(host, *args, **kwargs)

        return guard

    socket.socket.connect = checked("connect", lambda args: args[0])
    socket.socket.connect_ex = checked("connect_ex", lambda args: args[0])
    socket.socket.sendto = checked("sendto", lambda args: args[-1])
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        setattr(socket, name, lookup(name))
    record("installed", "install", os.getpid())

    def undo() -> None:
        for name in ("connect", "connect_ex", "sendto"):
            setattr(socket.socket, name, originals[name])
        for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
            setattr(socket, name, originals[name])

    return undo


@contextlib.contextmanager
def guarded(log_path: str):
    undo = install(log_path)
    try:
        yield
    finally:
        undo()


def records(log_path: str, kind: str | None = None) -> list[dict]:
    if not os.path.exists(log_path):
        return []
    with open(log_path, encoding="utf-8") as fh:
        found = [json.loads(line) for line in fh if line.strip()]
    return [r for r in found if kind is None or r["kind"] == kind]


if os.environ.get("NETGUARD_LOG") and __name__ == "sitecustomize":
    install(os.environ["NETGUARD_LOG"])
