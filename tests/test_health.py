import pytest


@pytest.mark.django_db
def test_healthz_reports_every_component(client):
    response = client.get("/healthz")
    body = response.json()
    assert body["database"] == {"up": True}
    assert body["pgvector"]["up"] is True
    assert body["redis"] == {"up": True}
    assert set(body["queue"]["depth"]) == {"sessions", "default"}
    # No worker runs during this test, and health says so instead of claiming all is well.
    assert response.status_code == 503
    assert body["down"] == ["worker"]
    assert body["worker"]["error"] == "no worker heartbeat"
