"""/metrics: who may read it, and that its figures follow what happens (Prometheus text, parsed by the library)."""
from __future__ import annotations

import re

from pydantic import SecretStr
from prometheus_client.parser import text_string_to_metric_families

from inbox.config import MetricsSettings
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.inbox.test_agent_secrets import _chat_conversation


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


async def test_metrics_access_and_figures(tmp_path) -> None:  # noqa: ANN001
    url = f"sqlite+aiosqlite:///{tmp_path}/inbox.db"
    await add_agent(url, "boss@example.com", role="admin")
    await add_agent(url, "ana@example.com")
    settings = settings_for(url, metrics=MetricsSettings(token=SecretStr("scrape-token-123456")))
    async with running(settings) as (server, http):
        admin = {"Authorization": f"Bearer {await token_for(http, 'boss@example.com')}"}
        agent = {"Authorization": f"Bearer {await token_for(http, 'ana@example.com')}"}
        async with http.get("/metrics") as r:
            assert r.status == 401
        async with http.get("/metrics", headers=agent) as r:
            assert r.status == 403
        async with http.get("/metrics", headers={"Authorization": "Bearer scrape-token-wrong"}) as r:
            assert r.status == 401
        ws, conv = await _chat_conversation(http, agent)
        async with http.get(f"/api/v1/conversations/{conv['id']}", headers=agent) as r:
            assert r.status == 200
        async with http.get("/metrics", headers={"Authorization": "Bearer scrape-token-123456"}) as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
            text = await r.text()
        samples = _samples(text)
        assert samples[("inbox_ingested_messages_total", (("connector", "app-chat"),))] == 1
        assert samples[("inbox_websockets", (("kind", "chat"),))] == 1
        assert ("inbox_outbox_queue_depth", (("state", "queued"),)) in samples
        routes = {dict(labels).get("route") for (name, labels) in samples if name.startswith("inbox_http_request")}
        assert "/api/v1/conversations/{id}" in routes  # the template, never the id
        assert not any(r and re.search(r"/[0-9]+(/|$)", r) for r in routes)
        async with http.get("/metrics", headers=admin) as r:
            assert r.status == 200
        await ws.close()
