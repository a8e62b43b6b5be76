"""Issue #12 through the whole inbox on a real Dovecot and an SMTP server on loopback: a stranger quoting a ticket
number cannot take the ticket over (item 2); a recovery phrase hidden in a mail's HTML part and subject is stored
nowhere (item 8)."""
from __future__ import annotations

import email
from email import policy
from email.message import EmailMessage

from mnemonic import Mnemonic

from inbox.config import ConnectorEntry
from tests.connectors.email.helpers import email_config, make_mail
from tests.inbox.appserver import add_agent, running, settings_for, token_for
from tests.inbox.test_mail_secrets import word_runs
from tests.integration.helpers import conversations, eventually, stored_texts


def _settings(db_url, dovecot, smtp):  # noqa: ANN001, ANN202
    return settings_for(db_url, connectors=(ConnectorEntry("support-mail", email_config(dovecot, smtp)),))


async def _get(http, token, path):  # noqa: ANN001, ANN202
    async with http.get(path, headers={"Authorization": f"Bearer {token}"}) as r:
        assert r.status == 200, await r.text()
        return await r.json()


async def test_a_stranger_quoting_the_ticket_gets_nothing_and_the_customer_gets_the_reply(
    engine, db_url, dovecot, smtp_server,  # noqa: ANN001
) -> None:
    await add_agent(db_url, "ana@example.com", role="admin")
    async with running(_settings(db_url, dovecot, smtp_server)) as (server, http):
        token = await token_for(http, "ana@example.com")
        auth = {"Authorization": f"Bearer {token}"}
        dovecot.append(make_mail("My withdrawal of 500 USDT is pending since Monday.", subject="Withdrawal pending",
                                 message_id="w1@customer.example"))
        [ticket] = await eventually(lambda: conversations(http, token), what="the customer's ticket")
        # The ticket number was in the customer's auto-reply; a stranger quotes it from another address.
        dovecot.append(make_mail("This is my new address, please send the payout details here.",
                                 subject=f"Re: Withdrawal pending [{ticket['ticket']}]",
                                 sender="Alice Chen <alice.chen.payouts@evil.example>",
                                 message_id="x1@evil.example"))
        convs = await eventually(lambda: _exactly(http, token, 2), what="the stranger's own conversation")
        stranger = next(c for c in convs if c["id"] != ticket["id"])
        assert "mentions-ticket" in stranger["tags"] and "mentions-ticket" not in ticket["tags"]
        mine = (await _get(http, token, f"/api/v1/conversations/{ticket['id']}/messages"))["messages"]
        assert [m["text"] for m in mine] == ["My withdrawal of 500 USDT is pending since Monday."]
        theirs = (await _get(http, token, f"/api/v1/conversations/{stranger['id']}/messages"))["messages"]
        assert [m["direction"] for m in theirs] == ["inbound", "note"] and ticket["ticket"] in theirs[1]["text"]
        assert (await _get(http, token, f"/api/v1/conversations/{stranger['id']}"))["conversation"][
            "tags"] == ["mentions-ticket"]

        # The agent sees who the reply goes to, and it goes there.
        view = (await _get(http, token, f"/api/v1/conversations/{ticket['id']}"))["conversation"]
        assert view["recipient"]["value"] == "alice@customer.example"
        async with http.post(f"/api/v1/conversations/{ticket['id']}/preview", json={"text": "draft"},
                             headers=auth) as r:
            assert (await r.json())["route"]["recipient"]["value"] == "alice@customer.example"
        async with http.post(f"/api/v1/conversations/{ticket['id']}/messages",
                             json={"text": "Your payout is on its way."}, headers=auth) as r:
            assert r.status == 201
            assert (await r.json())["route"]["recipient"]["value"] == "alice@customer.example"
        await eventually(lambda: smtp_server.handler.received, what="the reply at the SMTP server")
        [sent] = [email.message_from_bytes(raw, policy=policy.default) for raw in smtp_server.handler.received]
        assert [a.addr_spec for a in sent["To"].addresses] == ["alice@customer.example"]
        assert ticket["ticket"] in sent["Subject"]
        assert all(b"evil.example" not in raw for raw in smtp_server.handler.received)


async def _exactly(http, token, n):  # noqa: ANN001, ANN202
    convs = await conversations(http, token)
    return convs if len(convs) == n else None


def _seed_mail(words: list[str]) -> bytes:
    """As Gmail sends it: an innocent plain part, the phrase in bold/span runs of the HTML part, quoted-printable;
    the first words in the subject."""
    m = EmailMessage()
    m["From"] = "Alice Chen <alice@customer.example>"
    m["To"] = "support@wallet.example"
    m["Subject"] = "wallet emptied, words " + " ".join(words[:2])
    m["Message-ID"] = "<seed-e2e@customer.example>"
    m.set_content("Please see the formatted version of this mail.")
    runs = " ".join(f"<b>{w}</b>" if i % 2 else f"<span>{w}</span>" for i, w in enumerate(words[2:]))
    m.add_alternative(f'<div dir="ltr">{runs}&nbsp;</div>', subtype="html", cte="quoted-printable")
    return m.as_bytes()


async def test_a_phrase_in_the_html_part_is_stored_nowhere(engine, db_url, dovecot, smtp_server) -> None:  # noqa: ANN001
    await add_agent(db_url, "ana@example.com", role="admin")
    words = Mnemonic("english").generate(strength=128).split()
    async with running(_settings(db_url, dovecot, smtp_server)) as (server, http):
        token = await token_for(http, "ana@example.com")
        dovecot.append(_seed_mail(words))
        [conv] = await eventually(lambda: conversations(http, token), what="the mail's conversation")
        assert "sensitive" in conv["tags"] and conv["priority"] in ("high", "urgent")
        [message] = (await _get(http, token, f"/api/v1/conversations/{conv['id']}/messages"))["messages"][:1]
        assert "[seed_phrase removed]" in message["text"] and message["html"] is None
        assert message["subject"] == "wallet emptied, words [seed_phrase removed]"
        assert await conversations(http, token, q=" ".join(words[3:6])) == []  # search finds nothing
        stored = await stored_texts(engine)
        assert word_runs(stored, words) == [] and word_runs(conv["subject"], words) == []
        # The guard's warning reaches the customer, and carries nothing of the phrase either.
        await eventually(lambda: smtp_server.handler.received, what="the guard's warning to the customer")
        assert all(word_runs(raw.decode("utf-8", "replace"), words) == [] for raw in smtp_server.handler.received)
