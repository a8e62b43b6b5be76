"""Impersonation (issue 21): detector throughput, and the end-to-end time from X answering a thread search with a
scam reply to our public warning being posted, through the real app against the X stand-in. Prints each figure
beside its reference.

    python -m bench.impersonation [--replies 20000] [--threads 10]

References: the detector must keep far ahead of the most X can deliver to us (recent search: 450 calls of 100
tweets per 15 minutes = 50 tweets/s); a warning must be out within 10 s of the reply being fetched.
"""
from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from routing.impersonation import evaluate
from routing.impersonation.detect import Account, assess

SEARCH_INFLOW_PER_S = 450 * 100 / 900
WARNING_WITHIN_S = 10.0


def detector_speed(replies: int) -> float:
    registry = evaluate.load_registry()
    records = evaluate.load_records()
    accounts = [(Account(r["platform"], r["author"]["user_id"], r["author"]["handle"], r["author"]["display_name"]),
                 r["text"]) for r in records]
    started = time.perf_counter()
    for i in range(replies):
        account, text = accounts[i % len(accounts)]
        assess(account, text, registry)
    return replies / (time.perf_counter() - started)


async def warning_latency(threads: int) -> list[float]:
    from inbox.config import ConnectorEntry, RoutingSettings
    from tests.connectors.twitter.conftest import make_config
    from tests.connectors.twitter.standin import XStandin
    from tests.connectors.twitter.standin_search import add_reply
    from tests.inbox.appserver import running, settings_for

    standin = XStandin()
    standin.windows.update(dm_events=(10_000, 900.0), mentions=(10_000, 900.0))
    scammer = "5566778899"
    standin.add_user(scammer, "OurWaIlet_Help", "OurWallet Support")
    customers = [str(3_000_000_000 + i) for i in range(threads)]
    for c in customers:
        standin.add_user(c, f"customer_{c[-4:]}", "Customer")
    await standin.start()
    registry = {"brand_names": ["OurWallet"], "x_handles": ["walletsupport", "OurWallet"],
                "x_user_ids": ["1500000000000000001"]}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            settings = settings_for(
                f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}",
                connectors=(ConnectorEntry("x", make_config(standin, search_rate={"requests": 10_000, "seconds": 900},
                                                            poll_interval=0.5)),),
                routing=RoutingSettings(rules="inbox/defaults/rules.yaml"), data_dir=Path(tmp),
                impersonation={"registry": registry})
            async with running(settings):
                roots = [standin.add_mention(f"withdrawal stuck, order {i}", c) for i, c in enumerate(customers)]
                await _until(lambda: len({q for q in standin.search_queries}) > 0, 60)
                scams = [add_reply(standin, "DM us to fix it, validate at https://ourwallet-sync.app", scammer, r["id"])
                         for r in roots]
                wanted = {s["id"] for s in scams}
                await _until(lambda: len(_warnings(standin)) >= len(wanted), 60)
                fetched = {}
                for at, ids in standin.search_log:
                    for i in ids:
                        fetched.setdefault(i, at)
                return [req.at - fetched[req.body["reply"]["in_reply_to_tweet_id"]] for req in _warnings(standin)
                        if req.body["reply"]["in_reply_to_tweet_id"] in wanted]
    finally:
        await standin.stop()


def _warnings(standin):  # noqa: ANN001, ANN202
    return [r for r in standin.calls_to("/2/tweets") if r.method == "POST" and "/verify" in (r.body or {}).get("text", "")]


async def _until(check, timeout: float) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("benchmark timed out waiting for the app")
        await asyncio.sleep(0.05)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--replies", type=int, default=20_000)
    parser.add_argument("--threads", type=int, default=10)
    args = parser.parse_args()
    speed = detector_speed(args.replies)
    print(f"detector: {speed:,.0f} replies/s on one core (reference: X can deliver at most "
          f"{SEARCH_INFLOW_PER_S:.0f}/s by recent search)")
    latencies = sorted(asyncio.run(warning_latency(args.threads)))
    p50 = statistics.median(latencies)
    print(f"warning after the scam reply was fetched, {len(latencies)} threads: median {p50:.2f} s, "
          f"max {latencies[-1]:.2f} s (reference: within {WARNING_WITHIN_S:.0f} s)")


if __name__ == "__main__":
    main()
