"""Shared fixtures: real documents from the corpora, analysed once per session."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

# Prefect must never touch the developer's own profile or the network from tests.
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="claims-prefect-"))
os.environ.setdefault("DO_NOT_TRACK", "1")
# The temporary Prefect server needs 10-30 s to start on a busy 2-core machine; Prefect waits 20 s.
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import hostile_corpus  # noqa: E402
import pytest  # noqa: E402
from prefect_server import PrefectServer, group_alive  # noqa: E402

from pipeline.evidence import analyse_document  # noqa: E402
from pipeline.ingest import make_document, read_corpus  # noqa: E402
from pipeline.model import Evidence  # noqa: E402
from pipeline.run import run_corpus  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "corpus" / "rls-seeds"
SHARED = ROOT.parent / "shared"
MEDQUAD = SHARED / "corpus" / "medquad-dev"

_cache: dict[str, list[Evidence]] = {}


def evidence_of(path: Path) -> list[Evidence]:
    """The evidence rows of one real corpus file (analysed once per session)."""
    key = str(path)
    if key not in _cache:
        docs = [d for d in read_corpus(path.parent) if getattr(d, "path", None) == path.name]
        assert docs, f"cannot read {path}"
        _cache[key] = list(analyse_document(docs[0]).evidence)
    return _cache[key]


def seed(prefix: str) -> Path:
    return next(SEEDS.glob(f"{prefix}_*.txt"))


def medquad(name: str) -> Path:
    path = MEDQUAD / f"{name}.txt"
    if not path.exists():
        pytest.skip(f"{path} is not beside this checkout")
    return path


def rows_in(evidence: list[Evidence], snippet: str) -> list[Evidence]:
    """Evidence whose sentence contains `snippet`."""
    return [e for e in evidence if snippet in e.sentence]


def evidence_for_text(text: str, doc_id: str = "t") -> list[Evidence]:
    return list(analyse_document(make_document(doc_id, f"{doc_id}.txt", text)).evidence)


# --- hostile input -----------------------------------------------------------------------------------------------

HOSTILE_INPUTS: Counter[str] = Counter()  # generated hostile inputs run, by kind (hypothesis examples included)


def count_hostile(kind: str) -> None:
    HOSTILE_INPUTS[kind] += 1


def pytest_terminal_summary(terminalreporter) -> None:
    if HOSTILE_INPUTS:
        kinds = ", ".join(f"{k} {n}" for k, n in sorted(HOSTILE_INPUTS.items()))
        terminalreporter.write_line(f"hostile inputs generated and run: {sum(HOSTILE_INPUTS.values())} ({kinds})")


@pytest.fixture(scope="session")
def huge_file(tmp_path_factory) -> Path:
    """A text file over the default 20 MB limit, written once per session."""
    return hostile_corpus.write_huge_file(tmp_path_factory.mktemp("huge") / "huge.txt")


@dataclass(frozen=True)
class HostileRun:
    corpus: Path
    out: Path
    expect: hostile_corpus.Expectations


@pytest.fixture(scope="session")
def hostile_run(tmp_path_factory, huge_file: Path):
    """The seed articles with the hostile corpus beside them, run once per session without Prefect."""
    base = tmp_path_factory.mktemp("hostile")
    corpus = base / "corpus"
    shutil.copytree(SEEDS, corpus)
    expect = hostile_corpus.build(corpus, base / "outside", huge_file)
    HOSTILE_INPUTS["corpus entry"] += len(expect)
    run_corpus(corpus, base / "out")
    yield HostileRun(corpus, base / "out", expect)
    hostile_corpus.unlock(corpus)


@pytest.fixture(scope="session")
def seed_tables(tmp_path_factory) -> Path:
    """The three tables of the seed corpus, written once per session."""
    out = tmp_path_factory.mktemp("seed-tables")
    run_corpus(SEEDS, out)
    return out


# -- a real Prefect server for the session ----------------------------------------------------------
# Booting one takes 10-40 s (a fresh database is migrated), so it is started once, in the background as
# the session begins, and the tests that need it run last.

SERVER_FIXTURE = "prefect_server"


def pytest_collection_modifyitems(session, config, items):
    items.sort(key=lambda item: SERVER_FIXTURE in getattr(item, "fixturenames", ()))


@pytest.fixture(scope="session", autouse=True)
def _prefect_server_boot(request, tmp_path_factory):
    """Start the session's Prefect server at once if any selected test needs it; stop it at the end."""
    if not any(SERVER_FIXTURE in getattr(item, "fixturenames", ()) for item in request.session.items):
        yield None
        return
    server = PrefectServer(tmp_path_factory.mktemp("prefect-server")).start()
    try:
        yield server
    finally:
        server.stop()
        assert not group_alive(server.proc), "the Prefect server left processes behind"


@pytest.fixture(scope="session")
def prefect_server(_prefect_server_boot) -> PrefectServer:
    """`prefect server start` on 127.0.0.1, a free port and its own PREFECT_HOME, ready to serve."""
    return _prefect_server_boot.wait_ready()


@pytest.fixture
def prefect_api(prefect_server):
    """Prefect flows in this process talk to the session's server (no temporary server per process)."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: prefect_server.url}):
        yield prefect_server
