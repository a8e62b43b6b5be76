"""Thread watching: replies in the conversations we are in, by recent search, within the search window."""
from __future__ import annotations

import aiohttp

from connectors.twitter import TwitterConnector
from connectors.twitter.watch import QUERY_LIMIT, WATCH_PREFIX
from inbox.domain import Channel, OutboundMessage, Visibility
from tests.connectors.twitter.conftest import CUSTOMER_ID, make_config
from tests.connectors.twitter.helpers import RecordingHost, running, wait_until
from tests.connectors.twitter.standin import XStandin
from tests.connectors.twitter.standin_search import add_reply

SCAMMER_ID = "3300000000000000001"


def _connector(standin: XStandin, host: RecordingHost, **overrides: object) -> TwitterConnector:
    return TwitterConnector("x-support", make_config(standin, **overrides), host)


async def test_reply_that_does_not_mention_us_is_found_in_the_customers_thread(standin: XStandin) -> None:
    standin.add_user(SCAMMER_ID, "OurWallet_Help", "OurWallet Support")
    host = RecordingHost()
    root = standin.add_mention("my withdrawal is stuck", CUSTOMER_ID)
    scam = add_reply(standin, "DM us or validate at LINK", SCAMMER_ID, root["id"],
                     links={"https://ourwallet-sync.app/validate": "LINK"})
    assert "https://t.co/" in scam["text"] and "walletsupport" not in scam["text"]
    async with running(_connector(standin, host)):
        await host.wait_for(2)
    by_id = {m.provider_id: m for m in host.messages}
    reply = by_id[f"tweet:{scam['id']}"]
    assert reply.thread_key == f"tweet:{root['conversation_id']}" and reply.visibility is Visibility.PUBLIC
    assert reply.sender.value == SCAMMER_ID and reply.sender.handle == "@OurWallet_Help"
    assert "https://ourwallet-sync.app/validate" in reply.text and "t.co" not in reply.text  # t.co expanded
    assert standin.search_queries and f"conversation_id:{root['conversation_id']}" in standin.search_queries[0]
    assert host.checkpoint[f"{WATCH_PREFIX}{root['conversation_id']}"].startswith(scam["id"])


async def test_search_uses_app_auth_and_since_id_after_the_first_round(standin: XStandin) -> None:
    host = RecordingHost()
    root = standin.add_mention("deposit missing", CUSTOMER_ID)
    async with running(_connector(standin, host)):
        await host.wait_for(1)
        await wait_until(lambda: len(standin.calls_to("/2/tweets/search/recent")) >= 2)
        first = add_reply(standin, "same here", CUSTOMER_ID, root["id"])
        await wait_until(lambda: any(m.provider_id == f"tweet:{first['id']}" for m in host.messages))
    calls = standin.calls_to("/2/tweets/search/recent")
    assert all(c.auth == "bearer" for c in calls)
    assert calls[0].query["since_id"] == root["conversation_id"]
    assert int(calls[0].query["max_results"]) == 100
    assert all("next_token" not in c.query or c.query["next_token"] for c in calls)


async def test_our_own_public_reply_puts_the_thread_under_watch(standin: XStandin) -> None:
    host = RecordingHost()
    other = "2244994999"
    standin.add_user(other, "bob", "Bob")
    root = standin.add_mention("card declined", CUSTOMER_ID)
    connector = _connector(standin, host, poll_mentions=False, poll_dms=False)
    async with running(connector):
        await connector.send(OutboundMessage(
            idempotency_key="k1", connector="x-support", channel=Channel.TWITTER, thread_key=f"tweet:{root['id']}",
            visibility=Visibility.PUBLIC, recipient=host_identity(), text="Looking into it #10001", ticket="#10001",
            in_reply_to=f"tweet:{root['id']}"))
        reply = add_reply(standin, "that happened to me too", other, root["id"])
        await wait_until(lambda: any(m.provider_id == f"tweet:{reply['id']}" for m in host.messages))


def host_identity():  # noqa: ANN201
    from inbox.domain import ContactIdentity, IdentityKind

    return ContactIdentity(IdentityKind.TWITTER, CUSTOMER_ID)


async def test_many_conversations_are_batched_into_queries_within_the_limit(standin: XStandin) -> None:
    host = RecordingHost()
    roots = [standin.add_mention(f"problem {i}", CUSTOMER_ID) for i in range(40)]
    async with running(_connector(standin, host)):
        await host.wait_for(40)
        await wait_until(lambda: len(set(standin.search_queries)) >= 4)
    # A query's later pages repeat it (X ends every result set with an empty page that a next_token pointed at).
    first_round = list(dict.fromkeys(standin.search_queries))[:4]
    assert all(len(q) <= QUERY_LIMIT for q in first_round)
    named = [t for q in first_round for t in q.split(" OR ")]
    assert sorted(named) == sorted(f"conversation_id:{r['conversation_id']}" for r in roots)  # each once
    per_term = len("conversation_id:") + len(roots[0]["id"])
    assert len(first_round[0].split(" OR ")) == (QUERY_LIMIT + 4) // (per_term + 4)  # as many as fit, no more


async def test_spent_search_window_waits_without_holding_back_mentions(standin: XStandin) -> None:
    host = RecordingHost()
    for i in range(40):
        standin.add_mention(f"problem {i}", CUSTOMER_ID)
    connector = _connector(standin, host, search_rate={"requests": 2, "seconds": 900})
    async with running(connector):
        await host.wait_for(40)
        await wait_until(lambda: len(standin.search_queries) >= 2)
        late = standin.add_mention("and another one", CUSTOMER_ID)
        await wait_until(lambda: any(m.provider_id == f"tweet:{late['id']}" for m in host.messages))
    assert len(standin.calls_to("/2/tweets/search/recent")) == 2  # 4 batches wanted, the window allowed 2


async def test_rate_limited_and_forbidden_search_are_reported_and_mentions_go_on(standin: XStandin) -> None:
    host = RecordingHost()
    standin.add_mention("first", CUSTOMER_ID)
    standin.force("search_app", 429, reset_in=600)
    async with running(_connector(standin, host)):
        await host.wait_for(1)
        await wait_until(lambda: any("rate limit" in p for p in host.problems))
        late = standin.add_mention("second", CUSTOMER_ID)
        await wait_until(lambda: any(m.provider_id == f"tweet:{late['id']}" for m in host.messages))
    assert len(standin.calls_to("/2/tweets/search/recent")) == 1  # waits for X's reset, no hammering

    host = RecordingHost()
    standin.add_mention("third", CUSTOMER_ID)
    standin.force("search_app", 403, body={"title": "Client Forbidden", "detail": "This endpoint needs Basic access",
                                           "type": "https://api.twitter.com/2/problems/client-forbidden"})
    async with running(_connector(standin, host)):
        await wait_until(lambda: any("thread watching paused" in p for p in host.problems))


async def test_watch_cursors_survive_a_restart(standin: XStandin) -> None:
    host = RecordingHost()
    root = standin.add_mention("stuck", CUSTOMER_ID)
    reply = add_reply(standin, "same", CUSTOMER_ID, root["id"])
    async with running(_connector(standin, host)):
        await wait_until(lambda: any(m.provider_id == f"tweet:{reply['id']}" for m in host.messages))
    before = len(standin.calls_to("/2/tweets/search/recent"))
    async with running(_connector(standin, host)):  # same host: the checkpoint is what was stored
        await wait_until(lambda: len(standin.calls_to("/2/tweets/search/recent")) > before)
    assert standin.calls_to("/2/tweets/search/recent")[before].query["since_id"] == reply["id"]


async def test_standin_refuses_max_results_below_ten_like_x(standin: XStandin) -> None:
    url = f"{standin.base_url}/2/tweets/search/recent"
    headers = {"Authorization": f"Bearer {standin.credentials.bearer_token}"}
    async with aiohttp.ClientSession() as http:
        async with http.get(url, params={"query": "conversation_id:1", "max_results": "5"}, headers=headers) as r:
            body = await r.json()
    assert r.status == 400 and "max_results" in body["errors"][0]["parameters"]
