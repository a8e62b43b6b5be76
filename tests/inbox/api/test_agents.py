"""PATCH /api/v1/agents/{id}: who may change what (issue #12 item 1, privilege escalation)."""
from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from inbox.store.schema import agents
from tests.inbox.api.conftest import World


async def _row(world: World, caller: str) -> Any:
    async with world.engine.connect() as conn:
        return (await conn.execute(select(agents).where(agents.c.id == world.agent_ids[caller]))).one()


async def _patch(world: World, caller: str, target: str, body: Any) -> tuple[int, Any]:
    async with world.http.patch(f"/api/v1/agents/{world.agent_ids[target]}", json=body,
                                headers=await world.headers(caller)) as r:
        return r.status, await r.json()


async def test_an_agent_cannot_change_another_agent(world: World) -> None:
    before = await _row(world, "other_team_agent")
    for body in ({"role": "admin"}, {"active": False}, {"team": "red"}, {"name": "pwned"}, {"available": False}, {}):
        status, answer = await _patch(world, "team_agent", "other_team_agent", body)
        assert status == 403, (body, answer)
        assert await _row(world, "other_team_agent") == before


async def test_an_agent_cannot_promote_move_or_deactivate_themselves(world: World) -> None:
    before = await _row(world, "team_agent")
    for body in ({"role": "admin"}, {"active": False}, {"team": "blue"}, {"available": False, "role": "admin"}):
        status, _ = await _patch(world, "team_agent", "team_agent", body)
        assert status == 403, body
        assert await _row(world, "team_agent") == before


async def test_an_agent_changes_their_own_availability_and_name(world: World) -> None:
    status, answer = await _patch(world, "team_agent", "team_agent", {"available": False, "name": "Ana L."})
    assert status == 200, answer
    row = await _row(world, "team_agent")
    assert (row.available, row.name, row.role) == (False, "Ana L.", "agent")


async def test_an_admin_changes_role_active_and_team(world: World) -> None:
    status, answer = await _patch(world, "admin", "other_team_agent", {"role": "admin", "team": "red"})
    assert status == 200, answer
    assert answer["agent"]["role"] == "admin"
    row = await _row(world, "other_team_agent")
    assert row.role == "admin" and row.team_id == (await _row(world, "team_agent")).team_id
    status, _ = await _patch(world, "admin", "team_agent", {"active": False})
    assert status == 200 and (await _row(world, "team_agent")).active is False


async def test_deactivating_by_patch_ends_the_sessions_so_reactivating_revives_none(world: World) -> None:
    old = {"Authorization": f"Bearer {await world.token('team_agent')}"}
    status, _ = await _patch(world, "admin", "team_agent", {"active": False})
    assert status == 200
    status, _ = await _patch(world, "admin", "team_agent", {"active": True})
    assert status == 200 and (await _row(world, "team_agent")).active is True
    async with world.http.get("/api/v1/me", headers=old) as r:
        assert r.status == 401  # the token from before the deactivation stays dead
    async with world.http.get("/api/v1/me", headers=await world.headers("team_agent")) as r:
        assert r.status == 200  # a new sign-in works


@pytest.mark.parametrize("body", [{"role": "agent"}, {"active": False}])
async def test_the_last_active_admin_cannot_be_demoted_or_deactivated(world: World, body: dict[str, Any]) -> None:
    status, answer = await _patch(world, "admin", "admin", body)
    assert status == 409 and "last active admin" in answer["error"]
    row = await _row(world, "admin")
    assert (row.role, row.active) == ("admin", True)
    # With a second admin, the first may step down.
    assert (await _patch(world, "admin", "team_agent", {"role": "admin"}))[0] == 200
    assert (await _patch(world, "admin", "admin", body))[0] == 200


async def test_bad_fields_are_a_400_and_change_nothing(world: World) -> None:
    before = await _row(world, "team_agent")
    for body in ({"role": "owner"}, {"active": "no"}, {"available": 1}, {"name": ""}, {"name": 5}, {"team": 5},
                 {"team": "no-such-team"}, {"email": "x@example.com"}, [1, 2], "admin"):
        status, answer = await _patch(world, "admin", "team_agent", body)
        assert status == 400, (body, answer)
        assert await _row(world, "team_agent") == before


async def test_a_malformed_or_unknown_agent_id_is_a_404(world: World) -> None:
    for agent_id in ("abc", "10" * 15, "-1", "1.5", "0x10", "٣", "999999"):
        async with world.http.patch(f"/api/v1/agents/{agent_id}", json={"available": True},
                                    headers=await world.headers("admin")) as r:
            assert r.status == 404, agent_id
