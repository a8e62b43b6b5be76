"""X payloads as X sends them (issue 16 items 1-3): HTML escapes in post text, long posts in note_tweet, and a
stand-in that pages, errs and rate-limits like the real API. Shapes: fixtures/x_shapes.json (README: which X API
documentation page each is copied from)."""
from __future__ import annotations

import json
from pathlib import Path

import aiohttp
import pytest

from connectors.twitter.normalize import tweet_to_inbound, unescape_post_text
from connectors.twitter.transport import TWEET_FIELDS
from connectors.twitter.wire import DMEventPage, TweetPage, XTweet
from tests.connectors.twitter.conftest import CUSTOMER_ID, make_config
from tests.connectors.twitter.helpers import RecordingHost, running
from tests.connectors.twitter.standin import OUR_ID, XStandin

SHAPES = json.loads((Path(__file__).parent / "fixtures" / "x_shapes.json").read_text())


def _mention(payload: dict) -> str:
    message = tweet_to_inbound(XTweet.model_validate(payload), {}, connector="x-support", own_user_id=OUR_ID)
    assert message is not None
    return message.text


# ---- item 1: &amp; &lt; &gt; ---------------------------------------------------------------------------------

def test_the_docs_example_post_reads_as_typed() -> None:
    text = _mention(SHAPES["docs_tweet_with_escapes"])
    assert "recent search & filtered stream endpoints" in text and ", & more." in text
    assert "&amp;" not in text


@pytest.mark.parametrize(("sent", "typed"), [
    ("fees &amp; limits", "fees & limits"),
    ("&lt;3 thanks &gt;_&lt;", "<3 thanks >_<"),
    ("I typed &amp;lt; literally", "I typed &lt; literally"),  # one pass: X escaped the "&" of a typed "&lt;"
    ("&quot;quoted&quot; &#39;x&#39; &nbsp;", "&quot;quoted&quot; &#39;x&#39; &nbsp;"),  # X escapes nothing else
])
def test_only_the_three_escapes_x_documents_are_undone(sent: str, typed: str) -> None:
    assert unescape_post_text(sent) == typed


async def test_escaped_mention_arrives_unescaped(standin: XStandin) -> None:
    host = RecordingHost()
    standin.add_mention("withdrawal &amp; deposit both stuck &lt;1h ago&gt;", CUSTOMER_ID)
    async with running_connector(standin, host):
        [message] = await host.wait_for(1)
    assert message.text == "@walletsupport withdrawal & deposit both stuck <1h ago>"


# ---- item 2: note_tweet -----------------------------------------------------------------------------------------

def test_long_post_uses_the_note_tweet_text() -> None:
    text = _mention(SHAPES["long_post"])
    assert text.endswith("I need the funds for rent by Friday.") and "right & the memo" in text
    assert "…" not in text


async def test_note_tweet_is_requested_and_used(standin: XStandin) -> None:
    host = RecordingHost()
    long_post = SHAPES["long_post"]
    standin.add_mention(long_post["text"].removeprefix("@walletsupport "), CUSTOMER_ID,
                        note_tweet=long_post["note_tweet"])
    async with running_connector(standin, host):
        [message] = await host.wait_for(1)
    assert "note_tweet" in TWEET_FIELDS
    asked = standin.calls_to(f"/2/users/{OUR_ID}/mentions")[0].query["tweet.fields"].split(",")
    assert "note_tweet" in asked
    assert message.text == unescape_post_text(long_post["note_tweet"]["text"])


# ---- item 3: the stand-in answers like X --------------------------------------------------------------------------

def running_connector(standin: XStandin, host: RecordingHost, **overrides: object):  # noqa: ANN201
    from connectors.twitter import TwitterConnector

    return running(TwitterConnector("x-support", make_config(standin, **overrides), host))


async def _get(standin: XStandin, path: str, query: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """An app-only (bearer) GET, as tweepy makes for mentions."""
    headers = {"Authorization": f"Bearer {standin.credentials.bearer_token}"}
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{standin.base_url}{path}", params=query, headers=headers) as response:
            return await response.json(), dict(response.headers)


async def test_pages_end_with_an_empty_page_and_carry_previous_tokens(standin: XStandin) -> None:
    for n in range(3):
        standin.add_mention(f"mention {n}", CUSTOMER_ID)
    path = f"/2/users/{OUR_ID}/mentions"
    first, _ = await _get(standin, path, {"max_results": "5"})
    assert first["meta"]["result_count"] == 3 and "next_token" in first["meta"]  # everything, and still a token
    assert "previous_token" in first["meta"]  # the first page has its own
    last, _ = await _get(standin, path, {"max_results": "5", "pagination_token": first["meta"]["next_token"]})
    assert last == SHAPES["last_page"]
    assert TweetPage.model_validate(last).data == ()


async def test_poller_reads_everything_across_real_pages(standin: XStandin) -> None:
    host = RecordingHost()
    for n in range(7):
        standin.add_dm(f"dm {n}", CUSTOMER_ID)
        standin.add_mention(f"mention {n}", CUSTOMER_ID)
    async with running_connector(standin, host):
        messages = await host.wait_for(14)
    assert sorted(m.text for m in messages if m.provider_id.startswith("dm:")) == [f"dm {n}" for n in range(7)]


async def test_partial_errors_name_the_expansion_and_the_section(standin: XStandin) -> None:
    standin.add_user("3117973774", "gone_user")
    standin.hidden_authors.add("3117973774")
    standin.suspended_authors.add("3117973774")
    standin.add_mention("from a suspended account", "3117973774")
    body, _ = await _get(standin, f"/2/users/{OUR_ID}/mentions", {"expansions": "author_id"})
    [error] = body["errors"]
    documented = SHAPES["docs_partial_error_includes"]
    assert set(documented) <= set(error)
    assert (error["section"], error["parameter"], error["title"]) == ("includes", "author_id", "Forbidden")
    page = TweetPage.model_validate(body)
    assert page.errors[0].section == "includes" and page.errors[0].parameter == "author_id"
    host = RecordingHost()
    async with running_connector(standin, host):
        [message] = await host.wait_for(1)  # the post itself is whole: delivered without the author's name
    assert message.sender.value == "3117973774" and message.sender.handle is None


async def test_group_dm_events_as_documented(standin: XStandin) -> None:
    conversation = SHAPES["docs_dm_message_create"]["dm_conversation_id"]
    join = standin.add_group_dm_event(conversation, "ParticipantsJoin", ["944480690"], sender_id="17200003")
    said = standin.add_group_dm_event(conversation, "MessageCreate", [], sender_id="944480690", text="Hi everyone.")
    leave = standin.add_group_dm_event(conversation, "ParticipantsLeave", ["944480690"], sender_id="944480690")
    for made, documented in ((join, "docs_dm_participants_join"), (leave, "docs_dm_participants_leave")):
        assert set(made) == set(SHAPES[documented])  # same fields: no sender_id on ParticipantsLeave
    assert "sender_id" not in leave
    DMEventPage.model_validate({"data": [SHAPES[k] for k in SHAPES if k.startswith("docs_dm_")]})
    host = RecordingHost()
    async with running_connector(standin, host):
        [message] = await host.wait_for(1)
    assert message.text == said["text"] and message.thread_key == f"dm:{conversation}"


async def test_rate_windows_are_xs(standin: XStandin) -> None:
    """X's published windows: 450 mentions per 15 min with app-only auth (180 per user), 300 DM event reads."""
    from connectors.twitter import TwitterConfig

    _, mentions = await _get(standin, f"/2/users/{OUR_ID}/mentions", {})
    assert mentions["x-rate-limit-limit"] == "450"  # the bearer token's (app) bucket
    assert standin.windows["dm_events"] == (300, 900.0) and standin.windows["mentions"] == (180, 900.0)
    c = standin.credentials
    defaults = TwitterConfig.model_validate({
        "type": "twitter", "consumer_key": c.consumer_key, "consumer_secret": c.consumer_secret,
        "access_token": c.access_token, "access_token_secret": c.access_token_secret, "bearer_token": c.bearer_token})
    assert (defaults.dm_events_rate.requests, defaults.dm_events_rate.seconds) == (300, 900)
    assert (defaults.mentions_window.requests, defaults.mentions_window.seconds) == (450, 900)
    host = RecordingHost()
    standin.add_dm("hello", CUSTOMER_ID)
    async with running_connector(standin, host):
        await host.wait_for(1)
    [first_dm_call, *_] = standin.calls_to("/2/dm_events")
    assert first_dm_call.auth == "oauth1"
