"""Who sees where a reply goes, and who can change it (issue #12, item 2): the recipient is shown only to agents who
may see the conversation, and no request field sends a reply anywhere but to the conversation's customer."""
from __future__ import annotations

from sqlalchemy import select, update

from inbox.api.context import CTX
from inbox.domain import format_ticket
from inbox.store.schema import conversations, teams
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.inbox.test_ticket_trust import mail


async def test_recipient_is_the_customer_and_cannot_be_redirected(engine, db_url) -> None:  # noqa: ANN001
    await add_agent(db_url, "pay@example.com", team="payments")
    await add_agent(db_url, "sec@example.com", team="security")
    async with running(settings_for(db_url)) as (server, http):
        app = server.app[CTX]
        await app.pipeline.ingest([mail("withdrawal pending", "alice@customer.example", message_id="a1@c")])
        async with app.engine.begin() as conn:
            cid = (await conn.execute(select(conversations.c.id))).scalar_one()
            team = (await conn.execute(select(teams.c.id).where(teams.c.name == "payments"))).scalar_one()
            await conn.execute(update(conversations).values(team_id=team))
        # Bob, in copy, answers in the thread: he joins the ticket but does not become its recipient.
        await app.pipeline.ingest([mail("me too", "bob@customer.example", message_id="b1@c", references=["a1@c"],
                                        subject=f"Re: Withdrawal pending [{format_ticket(cid)}]")])
        pay = {"Authorization": f"Bearer {await token_for(http, 'pay@example.com')}"}
        sec = {"Authorization": f"Bearer {await token_for(http, 'sec@example.com')}"}
        base = f"/api/v1/conversations/{cid}"

        async with http.get(base, headers=pay) as r:
            assert (await r.json())["conversation"]["recipient"]["value"] == "alice@customer.example"
        # A hostile body: fields naming another recipient are not read.
        hostile = {"text": "your payout details", "recipient": "bob@customer.example",
                   "to": ["mallory@evil.example"], "cc": "mallory@evil.example"}
        async with http.post(f"{base}/preview", json=hostile, headers=pay) as r:
            assert (await r.json())["route"]["recipient"]["value"] == "alice@customer.example"
        async with http.post(f"{base}/messages", json=hostile, headers=pay) as r:
            assert r.status == 201
            body = await r.json()
        assert body["route"]["recipient"]["value"] == "alice@customer.example"
        assert "evil" not in str(body)

        # Another team's agent and a caller without a token learn nothing about it.
        for headers, status in ((sec, 404), ({}, 401)):  # 404: another team is not told the ticket exists
            async with http.get(base, headers=headers) as r:
                assert r.status == status and "alice@" not in await r.text()
            async with http.post(f"{base}/preview", json={"text": "x"}, headers=headers) as r:
                assert r.status == status and "alice@" not in await r.text()
        async with http.get("/api/v1/conversations/abc", headers=pay) as r:
            assert r.status == 404
        async with http.post(f"{base}/preview", json={"text": 5}, headers=pay) as r:
            assert r.status == 400
