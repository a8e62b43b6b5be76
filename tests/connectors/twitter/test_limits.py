"""Rate limits and failures while polling: waiting for X's reset, spacing calls, reporting, auth failures."""
from __future__ import annotations

import asyncio
import time

import pytest

from connectors.base import AuthError
from connectors.twitter import RateWindow, TwitterConnector
from connectors.twitter.pacing import CallPacer
from connectors.twitter.poller import DM_CURSOR
from connectors.twitter.transport import RateHeaders
from tests.connectors.twitter.conftest import CUSTOMER_ID, make_config
from tests.connectors.twitter.helpers import RecordingHost, running, wait_until
from tests.connectors.twitter.standin import OUR_ID, XStandin


def _connector(standin: XStandin, host: RecordingHost, **overrides: object) -> TwitterConnector:
    return TwitterConnector("x-support", make_config(standin, **overrides), host)


async def test_429_waits_for_reset_then_resumes_with_nothing_lost(standin: XStandin) -> None:
    host = RecordingHost()
    events = [standin.add_dm(f"msg {i}", CUSTOMER_ID) for i in range(150)]  # two pages
    standin.force("dm_events", 429, reset_in=1.5, after=1)  # the second page is refused
    started = time.time()
    async with running(_connector(standin, host, poll_mentions=False)) as task:
        await host.wait_for(150, timeout=10)
        assert not task.done()  # a 429 is waited out, never an error out of run()
    calls = standin.calls_to("/2/dm_events")
    refused_at = calls[1].at
    retried = calls[2]
    assert retried.at >= refused_at + 0.9  # waited for x-rate-limit-reset (whole epoch seconds)
    assert retried.query.get("pagination_token") == calls[1].query.get("pagination_token")  # same page again
    assert host.delivered_ids() == [f"dm:{e['id']}" for e in events]
    assert host.checkpoint[DM_CURSOR] == events[-1]["id"]
    assert any("rate limit" in p for p in host.problems)
    assert time.time() - started < 8


async def test_poller_spaces_calls_inside_the_window(standin: XStandin) -> None:
    host = RecordingHost()
    connector = _connector(standin, host, poll_interval=0.01, dm_events_rate={"requests": 2, "seconds": 1.0},
                           poll_mentions=False)
    async with running(connector):
        await asyncio.sleep(2.3)
    times = [r.at for r in standin.calls_to("/2/dm_events")]
    assert 4 <= len(times) <= 6
    # No three calls inside any one-second window: the third waits for the first to leave the window.
    assert all(later - earlier >= 0.95 for earlier, later in zip(times, times[2:]))


async def test_mark_synced_reports_next_allowed_time(standin: XStandin) -> None:
    host = RecordingHost()
    connector = _connector(standin, host, poll_interval=0.01, dm_events_rate={"requests": 1, "seconds": 30.0},
                           poll_mentions=False)
    async with running(connector):
        await wait_until(lambda: host.synced >= 1)
    first_call = standin.calls_to("/2/dm_events")[0].at
    assert host.next_allowed_at is not None
    assert abs(host.next_allowed_at.timestamp() - (first_call + 30.0)) < 1.0
    assert len(standin.calls_to("/2/dm_events")) == 1


async def test_remaining_zero_blocks_until_reset() -> None:
    now = [1000.0]
    pacer = CallPacer(RateWindow(requests=100, seconds=900), clock=lambda: now[0])
    assert pacer.wait_seconds() == 0
    pacer.record_call()
    pacer.observe(RateHeaders(limit=15, remaining=0, reset=1060.0))
    assert pacer.wait_seconds() == 60.0
    now[0] = 1060.0
    assert pacer.wait_seconds() == 0


async def test_sliding_window_pacer() -> None:
    now = [0.0]
    pacer = CallPacer(RateWindow(requests=3, seconds=10), clock=lambda: now[0])
    for t in (0.0, 1.0, 2.0):
        now[0] = t
        assert pacer.wait_seconds() == 0
        pacer.record_call()
    assert pacer.wait_seconds() == 8.0  # the call at t=0 leaves the window at t=10
    now[0] = 10.0
    assert pacer.wait_seconds() == 0


async def test_server_error_while_polling_is_reported_and_retried(standin: XStandin) -> None:
    host = RecordingHost()
    standin.force("dm_events", 503)
    event = standin.add_dm("still there?", CUSTOMER_ID)
    async with running(_connector(standin, host, poll_mentions=False, poll_interval=0.01)) as task:
        [m] = await host.wait_for(1, timeout=5)
        assert not task.done()
    assert m.provider_id == f"dm:{event['id']}"
    assert any("503" in p for p in host.problems)


async def test_bad_credentials_during_run_are_auth_error(standin: XStandin) -> None:
    host = RecordingHost()
    connector = _connector(standin, host, user_id=OUR_ID, consumer_secret="wrong")
    await connector.start()  # user id configured: no call at start
    with pytest.raises(AuthError) as failed:
        await asyncio.wait_for(connector.run(), timeout=5)
    await connector.stop()
    assert "wrong" not in str(failed.value) and "cs-test" not in str(failed.value)


async def test_401_midway_stops_run_with_auth_error(standin: XStandin) -> None:
    host = RecordingHost()
    standin.force("mentions", 401)
    connector = _connector(standin, host)
    await connector.start()
    with pytest.raises(AuthError):
        await asyncio.wait_for(connector.run(), timeout=5)
    await connector.stop()


def _forbidden_dms() -> dict:
    return {"title": "Forbidden", "type": "about:blank", "status": 403,
            "detail": "This app is not permitted to access Direct Messages."}


async def test_dm_reading_refused_keeps_mentions_running_and_retries_dms(
    standin: XStandin, monkeypatch: pytest.MonkeyPatch
) -> None:
    import connectors.twitter.poller as poller

    monkeypatch.setattr(poller, "DM_RECHECK_SECONDS", 0.5)
    host = RecordingHost()
    standin.force("dm_events", 403, body=_forbidden_dms())
    mention = standin.add_mention("@support my withdrawal is stuck", CUSTOMER_ID)
    async with running(_connector(standin, host)) as task:
        [m] = await host.wait_for(1, timeout=5)
        assert m.provider_id == f"tweet:{mention['id']}"
        assert any("not permitted to access Direct Messages" in p and "mentions are still read" in p
                   for p in host.problems)
        dm = standin.add_dm("and here is my DM", CUSTOMER_ID)
        await host.wait_for(2, timeout=5)  # after the recheck, DMs are read again
        assert not task.done()
    assert f"dm:{dm['id']}" in host.delivered_ids()
    assert any("works again" in p for p in host.problems)


async def test_dm_reading_refused_with_mentions_off_is_auth_error(standin: XStandin) -> None:
    host = RecordingHost()
    standin.force("dm_events", 403, body=_forbidden_dms())
    connector = _connector(standin, host, poll_mentions=False)
    await connector.start()
    with pytest.raises(AuthError):
        await asyncio.wait_for(connector.run(), timeout=5)
    await connector.stop()
