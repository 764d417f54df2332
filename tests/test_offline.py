"""No network: `claims run` and every process it starts open no socket to a non-loopback address.

The guard (tests/netguard.py) refuses and records each attempt, so an attempt a library swallows and
falls back from still fails the test. The run is a real `claims run` in a child process, through the
Prefect flow and its temporary local server, with only the project's own offline settings: those the
test session sets for itself are removed from the child's environment.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import hostile_corpus
import netguard
import pytest
from conftest import ROOT, SEEDS

from pipeline.ingest import read_corpus
from pipeline.model import Document
from pipeline.offline import OFFLINE_DEFAULTS
from pipeline.tables import read_table

PAGE = """<html><head><title>Hay Fever</title>
<meta property="og:url" content="https://www.pollen-watch.example.org/hay-fever">
<link rel="stylesheet" href="https://cdn.example.org/site.css"><script src="https://www.googletagmanager.com/gtag.js">
</script><script>fetch('https://tracker.example.net/beacon')</script></head><body>
<iframe src="https://ads.example.net/banner"></iframe><img src="https://images.example.org/pollen.jpg">
<article><h1>Hay Fever</h1><p>Pollen can trigger hay fever in sensitive people.</p>
<p>Read the <a href="https://www.nhs.uk/conditions/hay-fever/">NHS page</a> on nasal sprays.</p></article>
</body></html>"""


def offline_corpus(root: Path) -> Path:
    root.mkdir()
    for src in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(src, root / src.name)
    (root / "page.html").write_text(PAGE, encoding="utf-8")
    (root / "scan.pdf").write_bytes(hostile_corpus.minimal_pdf("Asbestos exposure causes mesothelioma."))
    (root / "batch.jsonl").write_text(json.dumps({"id": "J1", "text": hostile_corpus.SUNBURN,
                                                  "url": "https://www.cancer.org.au/sunburn"}) + "\n")
    return root


def test_claims_run_opens_no_socket_beyond_loopback(tmp_path: Path):
    corpus = offline_corpus(tmp_path / "corpus")
    guard = tmp_path / "guard"
    guard.mkdir()
    shutil.copy(Path(netguard.__file__), guard / "sitecustomize.py")
    log = tmp_path / "net.jsonl"
    env = {k: v for k, v in os.environ.items() if k not in OFFLINE_DEFAULTS and k != "PREFECT_API_URL"}
    env.update(PYTHONPATH=os.pathsep.join([str(guard), str(ROOT)]), NETGUARD_LOG=str(log),
               PREFECT_HOME=str(tmp_path / "prefect"),  # a fresh profile: nothing cached from earlier runs
               TLDEXTRACT_CACHE=str(tmp_path / "tldextract"), XDG_CACHE_HOME=str(tmp_path / "cache"))
    out = tmp_path / "out"
    done = subprocess.run([sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out),
                           "--batch-size", "2"], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    blocked = netguard.records(str(log), "blocked")
    assert not blocked, "\n".join(f"{b['call']} {b['target']}\n{b['stack']}" for b in blocked)
    # the guard did watch: the run and Prefect's server each installed it, and the flow talked to the server
    assert len({r["pid"] for r in netguard.records(str(log), "installed")}) >= 2
    assert netguard.records(str(log), "loopback")
    docs = read_table(out / "documents.csv").set_index("doc_id")
    assert set(docs.status) == {"ok"} and docs.loc["page", "url"].startswith("https://www.pollen-watch")
    assert len(read_table(out / "evidence.csv")) > 10


def test_the_guard_catches_an_attempt_that_a_library_swallows(tmp_path: Path):
    tldextract = pytest.importorskip("tldextract")
    log = str(tmp_path / "net.jsonl")
    with netguard.guarded(log):
        extract = tldextract.TLDExtract(cache_dir=str(tmp_path / "a"),
                                        suffix_list_urls=("https://publicsuffix.org/list/public_suffix_list.dat",))
        assert extract("https://www.bbc.co.uk/news").domain == "bbc"  # fell back to its snapshot...
        with pytest.raises(OSError):
            socket.create_connection(("192.0.2.1", 80), timeout=1)
    assert [r["target"] for r in netguard.records(log, "blocked")][:1] == ["'publicsuffix.org'"]  # ...but tried


def test_tldextract_as_the_project_configures_it_fetches_nothing(tmp_path: Path):
    tldextract = pytest.importorskip("tldextract")
    log = str(tmp_path / "net.jsonl")
    assert os.environ["TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS"] == ""  # set by importing the pipeline package
    with netguard.guarded(log):
        result = tldextract.TLDExtract(cache_dir=str(tmp_path / "cache"))("https://www.bbc.co.uk/news")
    assert (result.domain, result.suffix) == ("bbc", "co.uk")
    assert not netguard.records(log, "blocked")


def test_reading_pages_full_of_remote_resources_fetches_nothing(tmp_path: Path):
    corpus = offline_corpus(tmp_path / "corpus")
    log = str(tmp_path / "net.jsonl")
    with netguard.guarded(log):
        docs = {d.doc_id: d for d in read_corpus(corpus) if isinstance(d, Document)}
    assert "Pollen can trigger hay fever" in docs["page"].text
    assert not netguard.records(log, "blocked")
