"""X through the whole inbox: polling connector → pipeline (guard, classifier, rules) → store → API → outbox →
create_tweet / DMs, against the wire-faithful X API v2 stand-in."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from inbox.config import ConnectorEntry, RoutingSettings
from tests.connectors.twitter.conftest import make_config, unpaced
from tests.connectors.twitter.standin import XStandin
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.integration.helpers import conversations, eventually, stored_texts

CAROL, DAVE = "3344556677", "4455667788"
PRIVATE_KEY = "e9873d79c6d87dc0fb6a5778633389f4453213303da61f20bd67fc233aa33262"


def _settings(db_url: str, standin: XStandin):  # noqa: ANN202
    return settings_for(db_url, connectors=(ConnectorEntry("x-support", make_config(unpaced(standin))),),
                        routing=RoutingSettings(rules="inbox/defaults/rules.yaml"))


async def test_dm_and_mention_and_private_key_in_public(engine, db_url) -> None:  # noqa: ANN001
    standin = XStandin()
    standin.add_user(CAROL, "carol_c", "Carol")
    standin.add_user(DAVE, "dave_d", "Dave")
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    try:
        standin.add_dm("my withdrawal is stuck since yesterday", DAVE)
        standin.add_mention(f"wallet drained?? my private key is {PRIVATE_KEY} what do I do", CAROL)
        async with running(_settings(db_url, standin)) as (server, http):
            token = await token_for(http, "ana@example.com")
            convs = await eventually(lambda: _both(http, token), what="DM and mention conversations")
            by_vis = {c["visibility"]: c for c in convs}
            assert by_vis["private"]["channel"] == "twitter" and by_vis["public"]["channel"] == "twitter"
            public = by_vis["public"]
            assert "sensitive" in public["tags"] and public["priority"] == "urgent"
            assert PRIVATE_KEY not in await stored_texts(engine)
            # The customer is written privately (her DMs are open), and nothing in public repeats the key.
            await eventually(lambda: any(dm["dm_conversation_id"].count(CAROL) for dm in standin.sent_dms),
                             what="a DM to the customer")
            assert not any(PRIVATE_KEY in t["text"] for t in standin.sent_tweets)
            # Carol answers in that DM: it joins the same ticket, not a new one.
            standin.add_dm("ok, what should I do now?", CAROL)
            await eventually(lambda: _dm_joined(http, token, public["id"]), what="Carol's DM on the same ticket")
            assert len(await conversations(http, token)) == 2
            # A plain reply on the DM conversation goes by DM.
            auth = {"Authorization": f"Bearer {token}"}
            async with http.post(f"/api/v1/conversations/{by_vis['private']['id']}/messages",
                                 json={"text": "Checking your withdrawal now"}, headers=auth) as r:
                assert r.status == 201
            await eventually(lambda: any(d["text"] == "Checking your withdrawal now" for d in standin.sent_dms),
                             what="the DM reply")
    finally:
        await standin.stop()


async def _both(http, token):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) == 2 and {c["visibility"] for c in convs} == {"public", "private"} and \
        any("sensitive" in c["tags"] for c in convs) else None


async def _dm_joined(http, token, conversation_id):  # noqa: ANN001, ANN202
    async with http.get(f"/api/v1/conversations/{conversation_id}/messages",
                        headers={"Authorization": f"Bearer {token}"}) as r:
        msgs = (await r.json())["messages"]
    return any(m["text"] == "ok, what should I do now?" for m in msgs)


async def test_tx_hash_reply_with_closed_dms_posts_a_private_link(engine, db_url) -> None:  # noqa: ANN001
    standin = XStandin()
    standin.add_user(CAROL, "carol_c", "Carol")
    standin.dms_closed.add(CAROL)
    await standin.start()
    await add_agent(db_url, "ana@example.com", role="admin")
    tx = "0x" + "7c" * 32
    try:
        standin.add_mention("hey is there any update on the delay with my transfer", CAROL)
        async with running(_settings(db_url, standin)) as (server, http):
            token = await token_for(http, "ana@example.com")
            [conv] = await eventually(lambda: conversations(http, token), what="the mention")
            async with http.post(f"/api/v1/conversations/{conv['id']}/messages",
                                 json={"text": f"Your transfer txid {tx} confirmed 5 minutes ago"},
                                 headers={"Authorization": f"Bearer {token}"}) as r:
                body = await r.json()
            assert body["route"]["visibility"] == "private" and body["route"]["reasons"]
            notice = await eventually(lambda: next((t["text"] for t in standin.sent_tweets
                                                    if "messages/compose" in t["text"]), None),
                                      what="a public notice with a private link")
            assert tx not in notice and not any(tx in t["text"] for t in standin.sent_tweets)
            link = re.search(r"https://twitter\.com/messages/compose\?\S+", notice).group(0)
            assert parse_qs(urlsplit(link).query)["text"][0].startswith("ref:")
    finally:
        await standin.stop()
