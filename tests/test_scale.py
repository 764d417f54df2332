"""Scaling out must not change the tables: a Dask cluster gives those of a local run."""

from __future__ import annotations

import shutil
from pathlib import Path

from conftest import SEEDS

TABLES = ("evidence.csv", "claims.csv", "entities.csv", "documents.csv")


def _tables(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in TABLES}


def test_the_flow_on_a_dask_cluster_of_two_workers_writes_the_tables_of_a_local_run(tmp_path, prefect_api,
                                                                                   monkeypatch):
    from distributed import Client, LocalCluster
    from prefect_dask import DaskTaskRunner

    from pipeline.flow import claims_flow, task_runner

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for src in sorted(SEEDS.glob("*.txt"), key=lambda p: p.stat().st_size)[:3]:
        shutil.copy(src, corpus / src.name)
    monkeypatch.setenv("PREFECT_API_URL", prefect_api.url)  # the workers inherit it: no server of their own
    claims_flow(str(corpus), str(tmp_path / "local"), batch_size=1, use_cache=False)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        runner = task_runner(dask_address=cluster.scheduler_address)
        assert isinstance(runner, DaskTaskRunner)
        claims_flow.with_options(task_runner=runner)(str(corpus), str(tmp_path / "dask"), batch_size=1,
                                                     use_cache=False)
        with Client(cluster) as client:
            loaded = client.run(lambda: __import__("pipeline.analysis").analysis.shared_nlp.cache_info().currsize)
    assert len(loaded) == 2 and sum(loaded.values()) >= 1  # the analysis ran in the workers' processes
    assert _tables(tmp_path / "dask") == _tables(tmp_path / "local")
    assert task_runner() is None  # without either option the flow keeps its default runner
