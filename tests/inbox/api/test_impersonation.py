"""The impersonation routes: the registry and the impersonators list (admins only), and /verify (anyone, rate
limited, hostile input answered safely)."""
from __future__ import annotations

from sqlalchemy import select

from inbox.api import impersonation as api
from inbox.api.context import CTX
from inbox.domain import utcnow
from inbox.impersonators import record_reports
from inbox.store.schema import official_registry
from routing.impersonation.wiring import holder_for
from tests.inbox.api.conftest import World

REGISTRY = {"brand_names": ["OurWallet"], "x_handles": ["OurWallet"], "telegram_bots": ["OurWalletBot"],
            "support_emails": ["support@ourwallet.com"], "web_domains": ["ourwallet.com"]}


async def _put(world: World, caller: str, body: object) -> tuple[int, dict]:
    async with world.http.put("/api/v1/admin/impersonation/registry", json=body,
                              headers=await world.headers(caller)) as r:
        return r.status, await r.json()


async def test_admin_saves_the_registry_and_it_is_in_force_and_kept(world: World) -> None:
    status, body = await _put(world, "admin", {"registry": REGISTRY})
    assert status == 200 and body["source"] == "saved"
    async with world.http.get("/api/v1/admin/impersonation/registry", headers=await world.headers("admin")) as r:
        shown = await r.json()
    assert shown["registry"]["x_handles"] == ["OurWallet"] and shown["source"] == "saved"
    holder = holder_for(world.server.app[CTX].settings)
    assert holder.current.registry.web_domains == ("ourwallet.com",)
    async with world.engine.connect() as conn:
        [saved] = (await conn.execute(select(official_registry))).all()
    assert saved.data["support_emails"] == ["support@ourwallet.com"] and saved.updated_by == world.agent_ids["admin"]
    holder.use_registry(None)  # as after a restart: the saved copy is loaded again
    await api.load_saved_registry(world.server.app)
    assert holder.current.registry.x_handles == ("OurWallet",)


async def test_registry_is_admins_only_and_bad_input_loses_nothing(world: World) -> None:
    await _put(world, "admin", {"registry": REGISTRY})
    for caller in ("team_agent", "none"):
        status, _ = await _put(world, caller, {"registry": {"x_handles": ["Evil"]}})
        assert status in (401, 403)
    for bad in ({"registry": {"x_handles": ["not a handle!"]}}, {"registry": {"web_domains": ["<script>"]}},
                {"registry": {"unknown": 1}}, {"registry": {"x_user_ids": ["@OurWallet"]}},
                {"registry": {"support_emails": ["nobody"]}}):
        status, body = await _put(world, "admin", bad)
        assert status == 400 and body["problems"], bad
    assert holder_for(world.server.app[CTX].settings).current.registry.x_handles == ("OurWallet",)


async def test_impersonators_list_has_report_links_and_triage(world: World) -> None:
    async with world.engine.begin() as conn:
        await record_reports(conn, [(world.conversation_id, {
            "platform": "x", "account_id": "55", "handle": "@OurWaIlet_Help", "display_name": "OurWallet Support",
            "score": 0.9, "signals": [{"name": "confusable_handle", "weight": 0.75, "detail": "reads as @OurWallet"}],
            "provider_id": "tweet:1", "excerpt": "DM us"})], utcnow())
        await record_reports(conn, [(world.conversation_id, {
            "platform": "x", "account_id": "55", "handle": "@OurWaIlet_Help", "display_name": "OurWallet Support",
            "score": 0.8, "signals": [], "provider_id": "tweet:2", "excerpt": "DM us now"})], utcnow())
    async with world.http.get("/api/v1/admin/impersonators", headers=await world.headers("admin")) as r:
        [fake] = (await r.json())["impersonators"]
    assert fake["times_seen"] == 2 and fake["excerpt"] == "DM us now" and fake["status"] == "open"
    assert fake["links"] == {"profile": "https://x.com/OurWaIlet_Help",
                             "report": "https://help.x.com/en/forms/authenticity/impersonation"}
    async with world.http.post(f"/api/v1/admin/impersonators/{fake['id']}", json={"status": "reported"},
                               headers=await world.headers("admin")) as r:
        assert r.status == 200 and (await r.json())["impersonator"]["status"] == "reported"
    async with world.http.post(f"/api/v1/admin/impersonators/{fake['id']}", json={"status": "<b>"},
                               headers=await world.headers("admin")) as r:
        assert r.status == 400
    async with world.http.get("/api/v1/admin/impersonators", headers=await world.headers("team_agent")) as r:
        assert r.status == 403


async def test_verify_answers_ours_imitation_and_not_ours(world: World) -> None:
    await _put(world, "admin", {"registry": REGISTRY})
    api._VERIFY_CALLS.clear()
    cases = {"@OurWallet": "official", "0urWallet": "imitation", "OurWallet_Support": "imitation",
             "https://ourwallet.com/help": "official", "https://оurwallet.com/login": "imitation",
             "ourwallet.help@gmail.com": "imitation", "support@ourwallet.com": "official", "alice": "not_ours",
             "https://t.me/OurWaIIetBot": "imitation"}
    for query, verdict in cases.items():
        async with world.http.get("/api/v1/verify", params={"q": query}) as r:
            assert (await r.json())["verdict"] == verdict, query
    async with world.http.get("/verify", params={"q": "0urWallet", "lang": "zh"}) as r:
        page = await r.text()
    assert r.status == 200 and "不是我们" in page and 'data-verdict="imitation"' in page and "X @OurWallet" in page


async def test_verify_escapes_hostile_input_and_bounds_it(world: World) -> None:
    api._VERIFY_CALLS.clear()
    attack = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
    for query in (attack, f"https://{attack}.com", f"{attack}@evil.com", "javascript:alert(1)"):
        async with world.http.get("/verify", params={"q": query}) as r:
            page = await r.text()
        assert r.status == 200 and "<script>alert" not in page and "<img" not in page, query
    async with world.http.get("/verify", params={"q": "a" * 100_000}) as r:
        assert r.status in (200, 400, 414) and "a" * 400 not in await r.text()
    async with world.http.get("/api/v1/verify", params={"q": "a" * 2000}) as r:
        assert r.status == 400
    async with world.http.get("/api/v1/verify", params={"q": "x\u202eyllaer\u0000"}) as r:
        assert r.status in (200, 400)


async def test_verify_is_rate_limited_per_address(world: World) -> None:
    api._VERIFY_CALLS.clear()
    statuses = []
    for _ in range(api.VERIFY_LIMIT + 3):
        async with world.http.get("/api/v1/verify", params={"q": "alice"}) as r:
            statuses.append(r.status)
    assert statuses[: api.VERIFY_LIMIT] == [200] * api.VERIFY_LIMIT and statuses[-1] == 429
    async with world.http.get("/verify", params={"q": "alice"}) as r:
        assert r.status == 429
    async with world.http.get("/verify") as r:  # the empty form stays available
        assert r.status == 200
    api._VERIFY_CALLS.clear()
