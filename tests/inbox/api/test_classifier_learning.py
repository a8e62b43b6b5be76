"""Learning from agents (issue #14): an agent's type change is a masked labelled example; admins retrain, see
before/after on held-out corrections, and roll back; agents and strangers can't."""
import pytest
from sqlalchemy import select

from inbox.api.context import CTX
from inbox.store.schema import classifier_corrections, conversation_tags, messages
from routing.classifier import classify, corpus
from routing.classifier.classifier import deployment_model_active, use_deployment_model
from tests.inbox.factories import chat

TEXTS = [  # what customers wrote, and the type an agent gave each conversation
    ("the little shop fee thing again, call me on +44 7911 123456", "fees"),
    ("my card got swallowed by the machine at the station", "payment"),
    ("the app shows a red banner about my documents", "limits"),
    ("they took 3 dollars for nothing again", "fees"),
    ("nobody picks up the phone at your office, disgraceful", "complaint"),
    ("can you send me the paper form for the business account", "how_to"),
    ("the thing I sent my nephew never reached him", "transaction"),
]


@pytest.fixture
def small_training_set(monkeypatch, tmp_path):
    """Retraining on the whole corpus takes a minute; a sample keeps the test quick and tests the same path."""
    texts, labels, weights = corpus.training_set()
    monkeypatch.setattr(corpus, "training_set", lambda: (texts[::20], labels[::20], weights[::20]))
    monkeypatch.setenv("INBOX_CACHE_DIR", str(tmp_path / "cache"))
    yield
    use_deployment_model(None)  # never leak a deployment model into other tests


async def _conversations(world) -> list[int]:
    pipeline = world.server.app[CTX].pipeline
    ids = await pipeline.ingest([chat(text, user=f"learner-{n}") for n, (text, _) in enumerate(TEXTS)])
    async with world.engine.connect() as conn:
        return [(await conn.execute(select(messages.c.conversation_id).where(messages.c.id == i))).scalar_one()
                for i in ids]


async def _patch(world, caller: str, cid: int, body: dict):
    return await world.http.patch(f"/api/v1/conversations/{cid}", json=body, headers=await world.headers(caller))


async def test_an_agents_type_change_is_recorded_masked_and_settles_triage(world):
    async with world.engine.begin() as conn:
        await conn.execute(conversation_tags.insert(), {"conversation_id": world.conversation_id, "tag": "needs_triage"})
    response = await _patch(world, "team_agent", world.conversation_id, {"type": "security"})
    assert response.status == 200
    async with world.engine.connect() as conn:
        [row] = (await conn.execute(select(classifier_corrections))).all()
        tags = (await conn.execute(select(conversation_tags.c.tag).where(
            conversation_tags.c.conversation_id == world.conversation_id))).scalars().all()
    assert (row.text, row.to_type, row.agent_id) == ("where is my withdrawal?", "security", world.agent_ids["team_agent"])
    assert row.from_type == "withdrawal"
    assert "needs_triage" not in tags
    [cid] = (await _conversations(world))[:1]
    assert (await _patch(world, "admin", cid, {"type": "complaint"})).status == 200
    async with world.engine.connect() as conn:
        masked = (await conn.execute(select(classifier_corrections.c.text).where(
            classifier_corrections.c.conversation_id == cid))).scalar_one()
    assert "7911" not in masked and "shop fee" in masked  # the phone number never reaches the training data
    # the same conversation corrected again keeps one row, the latest type; a made-up type records nothing
    assert (await _patch(world, "admin", cid, {"type": "payment"})).status == 200
    assert (await _patch(world, "admin", cid, {"type": "banana"})).status == 200
    async with world.engine.connect() as conn:
        rows = (await conn.execute(select(classifier_corrections.c.to_type).where(
            classifier_corrections.c.conversation_id == cid))).scalars().all()
    assert rows == ["payment"]


async def test_only_admins_may_see_retrain_or_roll_back(world):
    for caller, status in (("team_agent", 403), ("other_team_agent", 403), ("none", 401), ("expired", 401)):
        for method, path in (("post", "/api/v1/classifier/retrain"), ("post", "/api/v1/classifier/rollback"),
                             ("get", "/api/v1/classifier"), ("get", "/api/v1/classifier/corrections")):
            response = await getattr(world.http, method)(path, headers=await world.headers(caller))
            assert response.status == status, (caller, method, path)
            assert "corrections" not in await response.text()
    assert not deployment_model_active()


async def test_retrain_reports_before_and_after_and_rolls_back(world, small_training_set):
    admin = await world.headers("admin")
    too_few = await world.http.post("/api/v1/classifier/retrain", headers=admin)
    assert too_few.status == 400 and "at least" in (await too_few.json())["error"]
    for cid, (text, issue_type) in zip(await _conversations(world), TEXTS):
        if classify(text).type == issue_type:  # the classifier already agrees: no correction, so make it one
            issue_type = "feedback" if issue_type != "feedback" else "other"
        assert (await _patch(world, "admin", cid, {"type": issue_type})).status == 200
    bad = await world.http.post("/api/v1/classifier/retrain", json={"force": "yes"}, headers=admin)
    assert bad.status == 400
    response = await world.http.post("/api/v1/classifier/retrain", json={"force": True}, headers=admin)
    assert response.status == 200, await response.text()
    report = await response.json()
    assert report["activated"] is True and report["trained_on"] >= 4 and report["held_out"] >= 1
    for side in ("before", "after"):
        assert set(report[side]) == {"corrections", "project_heldout"}
        assert 0 <= report[side]["corrections"]["macro_f1"] <= 1
    assert deployment_model_active()
    status = await (await world.http.get("/api/v1/classifier", headers=admin)).json()
    assert status["active_version"] == report["version"] and status["model"] == "deployment"
    assert status["corrections"] == len(TEXTS)
    listed = await (await world.http.get("/api/v1/classifier/corrections", headers=admin)).json()
    assert all("7911" not in row["text"] for row in listed["corrections"])

    rolled = await world.http.post("/api/v1/classifier/rollback", headers=admin)
    assert rolled.status == 200 and (await rolled.json())["active_version"] is None
    assert not deployment_model_active()
    again = await world.http.post("/api/v1/classifier/rollback", headers=admin)
    assert again.status == 409
    status = await (await world.http.get("/api/v1/classifier", headers=admin)).json()
    assert status["model"] == "shipped" and status["versions"][0]["rolled_back_at"]
