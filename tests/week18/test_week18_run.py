"""Week 18 end to end: the `--fast` run of every project."""

from __future__ import annotations


def test_fast_run(fast_run) -> None:
    metrics = fast_run("week18_databases")
    assert metrics["week"] == 18 and metrics["fast"] is True
    projects = metrics["projects"]
    assert set(projects) == {
        "sql_analytics",
        "indexing",
        "prediction_service",
        "documents",
        "time_series_store",
    }
    for name, project in projects.items():
        failed = [b for b in project["bars"] if not b["passed"] and b["metric"] != "index_speedup"]
        assert not failed, (name, failed)
        if name == "documents":
            assert project["info"]["document_store"].startswith(("tinymongo", "MongoDB"))
        else:
            assert project["info"]["database"] in {"sqlite", "postgresql"}
    assert projects["indexing"]["metrics"]["rows"] == 20_000
    assert projects["indexing"]["metrics"]["planner_uses_index"] == 1
    service = projects["prediction_service"]["metrics"]
    assert service["acknowledged_before_kill"] >= 40 and service["acknowledged_writes_lost"] == 0
    assert 0.8 < service["loan_accuracy_sql"] <= 1.0
    assert projects["documents"]["metrics"]["store_disagreements"] == 0
