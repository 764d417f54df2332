"""`claims serve`: a Prefect deployment of the refresh flow, run by a real Prefect server."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from conftest import ROOT, SEEDS
from prefect_server import end_group, group_alive
from typer.testing import CliRunner

from pipeline.cli import app
from pipeline.history import History
from pipeline.run import run_corpus

runner = CliRunner()
DEPLOYMENT = "test-refresh"


def _wait_for(what: str, probe, timeout: float, alive=lambda: True):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert alive(), f"gave up waiting for {what}: the serving process exited"
        value = probe()
        if value is not None:
            return value
        time.sleep(0.5)
    raise AssertionError(f"gave up waiting for {what} after {timeout:.0f} s")


def test_a_served_deployment_runs_when_triggered_through_the_api(tmp_path: Path, prefect_server):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound
    from prefect.settings import PREFECT_API_URL, temporary_settings

    corpus, out = tmp_path / "corpus", tmp_path / "out"
    corpus.mkdir()
    for src in sorted(SEEDS.glob("*.txt"))[:2]:
        shutil.copy(src, corpus / src.name)
    log = tmp_path / "serve.log"
    with open(log, "wb") as sink:
        serve = subprocess.Popen(
            [sys.executable, "-m", "pipeline.cli", "serve", str(corpus), "--out", str(out), "--name", DEPLOYMENT,
             "--cron", "0 3 * * *", "--batch-size", "1"],
            env={**prefect_server.client_env(), "PYTHONPATH": str(ROOT), "PREFECT_RUNNER_POLL_FREQUENCY": "1"},
            cwd=tmp_path,
            stdout=sink, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True,
        )
    serving = lambda: serve.poll() is None  # noqa: E731
    try:
        with temporary_settings(updates={PREFECT_API_URL: prefect_server.url}), get_client(sync_client=True) as client:

            def deployment():
                try:
                    return client.read_deployment_by_name(f"claims-run/{DEPLOYMENT}")
                except ObjectNotFound:
                    return None

            found = _wait_for("the deployment", deployment, 120, serving)
            assert [s.schedule.cron for s in found.schedules] == ["0 3 * * *"]
            assert found.parameters == {"corpus": str(corpus.resolve()), "out_dir": str(out.resolve()),
                                        "batch_size": 1}
            flow_run = client.create_flow_run_from_deployment(found.id)

            def finished():
                state = client.read_flow_run(flow_run.id).state
                return state if state is not None and state.is_final() else None

            state = _wait_for("the triggered run", finished, 240, serving)
            assert state.is_completed(), f"{state.type}: {state.message}\n{log.read_text(errors='replace')[-3000:]}"
    finally:
        stopping = time.monotonic()
        end_group(serve)
        print(f"serve stopped in {time.monotonic() - stopping:.1f} s")
    assert not group_alive(serve), "claims serve left processes behind"

    documents = pd.read_csv(out / "documents.csv", dtype=str, keep_default_na=False)
    assert sorted(documents.doc_id) == sorted(p.stem for p in corpus.glob("*.txt"))
    assert set(documents.status) == {"ok"}
    runs = History(out).runs()
    assert list(runs.status) == ["completed"] and runs.flow_run_id.iloc[0] == str(flow_run.id)
    run_corpus(corpus, tmp_path / "plain")
    for name in ("evidence.csv", "claims.csv", "documents.csv", "changes.csv"):
        assert (out / name).read_bytes() == (tmp_path / "plain" / name).read_bytes(), name


def test_serve_passes_the_schedule_and_the_run_parameters_to_prefect(tmp_path: Path, monkeypatch):
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from pipeline.flow import claims_flow

    served = {}
    monkeypatch.setattr(claims_flow, "serve", lambda **kwargs: served.update(kwargs))
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:9/api"}):
        result = runner.invoke(app, ["serve", str(SEEDS), "--out", str(tmp_path), "--interval", "3600"])
    assert result.exit_code == 0, result.output
    [schedule] = served["schedules"]
    assert schedule.interval.total_seconds() == 3600 and served["name"] == SEEDS.name
    assert served["parameters"] == {"corpus": str(SEEDS.resolve()), "out_dir": str(tmp_path.resolve()),
                                    "batch_size": 8}
    assert f"prefect deployment run 'claims-run/{SEEDS.name}'" in result.output


def test_serve_without_a_prefect_server_says_what_schedules_need():
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = runner.invoke(app, ["serve", str(SEEDS), "--cron", "0 3 * * *"])
    assert result.exit_code == 2 and "schedules need a running Prefect server" in result.output
    assert "PREFECT_API_URL" in result.output


def test_serve_takes_one_valid_schedule():
    result = runner.invoke(app, ["serve", str(SEEDS), "--cron", "0 3 * * *", "--interval", "60"])
    assert result.exit_code == 2 and "give --cron or --interval, not both" in result.output
    result = runner.invoke(app, ["serve", str(SEEDS), "--cron", "every night"])
    assert result.exit_code == 2 and 'invalid schedule' in result.output and "every night" in result.output
    result = runner.invoke(app, ["serve", str(SEEDS), "--cron", "0 3 * * *", "--timezone", "Mars/Olympus_Mons"])
    assert result.exit_code == 2 and 'invalid schedule' in result.output
