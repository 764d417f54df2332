"""The run history of an output folder, in an SQLite file beside the tables.

A researcher refreshing a corpus on a schedule needs to know, later, what
each run read (documents and their hashes), what it produced (tables and
their hashes), with which versions of code and models, and how the claims
moved between runs. SQLite ships with Python, is one file, and can be queried
by any tool (`sqlite3 outputs/x/history.sqlite 'select * from runs'`).

Claim rows are stored by content hash, so a run that changes ten claims adds
ten rows, not a copy of the table; any two runs can be diffed later.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from pipeline.model import DocumentResult

HISTORY_NAME = "history.sqlite"
SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    status TEXT NOT NULL,              -- running, completed, failed, interrupted
    corpus TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    flow_run_id TEXT,                  -- the Prefect flow run, when run by Prefect
    versions TEXT,                     -- JSON: code, models and library versions of the analysis
    seconds REAL,
    n_documents INTEGER, n_ok INTEGER, n_failed INTEGER,
    n_analysed INTEGER, n_cached INTEGER,
    n_evidence INTEGER, n_claims INTEGER,
    n_added INTEGER, n_removed INTEGER, n_changed INTEGER,
    error TEXT
);
CREATE TABLE IF NOT EXISTS run_documents (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    doc_id TEXT NOT NULL,
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,              -- of the document text; empty for a file that could not be read
    status TEXT NOT NULL,
    n_evidence INTEGER NOT NULL,
    analysed INTEGER NOT NULL,         -- 1 analysed in this run, 0 taken from the cache or unreadable
    PRIMARY KEY (run_id, doc_id, path)
);
CREATE TABLE IF NOT EXISTS run_outputs (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    n_rows INTEGER NOT NULL,
    PRIMARY KEY (run_id, name)
);
CREATE TABLE IF NOT EXISTS claim_rows (
    row_sha TEXT PRIMARY KEY,
    claim_id TEXT NOT NULL,
    data TEXT NOT NULL                 -- JSON object: the claims.csv row
);
CREATE TABLE IF NOT EXISTS run_claims (
    run_id INTEGER NOT NULL REFERENCES runs(run_id),
    claim_id TEXT NOT NULL,
    row_sha TEXT NOT NULL REFERENCES claim_rows(row_sha),
    PRIMARY KEY (run_id, claim_id)
);
"""


class UnknownRun(LookupError):
    """A run id that the history does not hold (or not as a completed run)."""


@dataclass(frozen=True)
class Run:
    run_id: int
    started_at: str


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class History:
    """The run history of one output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.path = Path(out_dir) / HISTORY_NAME

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(sqlite3.connect(self.path, timeout=30)) as con:
            con.row_factory = sqlite3.Row
            if con.execute("PRAGMA user_version").fetchone()[0] < SCHEMA_VERSION:
                con.executescript(_SCHEMA)
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            with con:  # one transaction
                yield con

    def exists(self) -> bool:
        return self.path.is_file()

    # -- writing (only while holding the output lock) --------------------------------------------

    def begin(self, corpus: Path, versions: dict[str, str], flow_run_id: str | None = None) -> Run:
        """Record a run as started; runs left `running` by a dead process become `interrupted`."""
        started = now()
        with self.connect() as con:
            con.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
            cur = con.execute(
                "INSERT INTO runs (started_at, status, corpus, host, pid, flow_run_id, versions)"
                " VALUES (?, 'running', ?, ?, ?, ?, ?)",
                (started, str(Path(corpus).resolve()), socket.gethostname(), os.getpid(), flow_run_id,
                 json.dumps(versions, sort_keys=True)),
            )
            return Run(int(cur.lastrowid), started)

    def fail(self, run: Run, error: str, interrupted: bool = False) -> None:
        with self.connect() as con:
            con.execute(
                "UPDATE runs SET status = ?, finished_at = ?, error = ? WHERE run_id = ? AND status = 'running'",
                ("interrupted" if interrupted else "failed", now(), error, run.run_id),
            )

    def complete(
        self, run: Run, results: list[DocumentResult], analysed: set[str], outputs: dict[str, tuple[str, int]],
        claims: pd.DataFrame, figures: dict[str, int | float],
    ) -> None:
        """Record what the run read and produced, and its summary figures, in one transaction.

        `outputs`: table name -> (sha256 of its bytes, number of rows).
        """
        with self.connect() as con:
            con.executemany(
                "INSERT OR REPLACE INTO run_documents VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(run.run_id, r.doc_id, r.path, r.sha256, r.status, len(r.evidence), int(r.doc_id in analysed))
                 for r in results],
            )
            con.executemany(
                "INSERT INTO run_outputs VALUES (?, ?, ?, ?)",
                [(run.run_id, name, sha, n_rows) for name, (sha, n_rows) in sorted(outputs.items())],
            )
            rows = []
            for record in claims.astype(str).to_dict(orient="records"):
                data = json.dumps(record, ensure_ascii=False)  # in column order
                rows.append((hashlib.sha256(data.encode()).hexdigest(), record["claim_id"], data))
            con.executemany("INSERT OR IGNORE INTO claim_rows VALUES (?, ?, ?)", rows)
            con.executemany("INSERT INTO run_claims VALUES (?, ?, ?)",
                            [(run.run_id, claim_id, sha) for sha, claim_id, _ in rows])
            assignments = ", ".join(f"{name} = ?" for name in figures)
            con.execute(
                f"UPDATE runs SET status = 'completed', finished_at = ?, {assignments} WHERE run_id = ?",
                (now(), *figures.values(), run.run_id),
            )

    # -- reading ------------------------------------------------------------------------------------

    def runs(self) -> pd.DataFrame:
        if not self.exists():
            return pd.DataFrame()
        with self.connect() as con:
            return pd.read_sql_query("SELECT * FROM runs ORDER BY run_id", con)

    def completed_ids(self) -> list[int]:
        if not self.exists():
            return []
        with self.connect() as con:
            return [r[0] for r in con.execute("SELECT run_id FROM runs WHERE status = 'completed' ORDER BY run_id")]

    def running(self) -> str:
        """Who is running now, as a person would say it (for the message of a refused second run)."""
        if not self.exists():
            return ""
        with self.connect() as con:
            row = con.execute("SELECT * FROM runs WHERE status = 'running' ORDER BY run_id DESC LIMIT 1").fetchone()
        return f"run {row['run_id']}, pid {row['pid']} on {row['host']}, started {row['started_at']}" if row else ""

    def claims(self, run_id: int) -> pd.DataFrame:
        """The claims table as a completed run wrote it (all values as text)."""
        if run_id not in self.completed_ids():
            raise UnknownRun(f"no completed run {run_id} in {self.path}")
        with self.connect() as con:
            data = [json.loads(r[0]) for r in con.execute(
                "SELECT c.data FROM run_claims r JOIN claim_rows c ON c.row_sha = r.row_sha"
                " WHERE r.run_id = ? ORDER BY r.rowid", (run_id,))]
        return pd.DataFrame(data, dtype=str)

    def documents(self, run_id: int) -> pd.DataFrame:
        with self.connect() as con:
            return pd.read_sql_query("SELECT * FROM run_documents WHERE run_id = ? ORDER BY doc_id, path", con,
                                     params=(run_id,))

    def outputs(self, run_id: int) -> pd.DataFrame:
        with self.connect() as con:
            return pd.read_sql_query("SELECT * FROM run_outputs WHERE run_id = ? ORDER BY name", con,
                                     params=(run_id,))
