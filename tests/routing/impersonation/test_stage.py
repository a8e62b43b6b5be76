"""The stage's decisions on pipeline items: who is acted on, what is asked for, and who never is."""
from __future__ import annotations

from datetime import UTC, datetime

from inbox.domain import (Channel, ContactIdentity, ConversationStatus, IdentityKind, InboundMessage, Priority,
                          Visibility)
from inbox.pipeline.stages import ConversationView, PipelineItem
from routing.impersonation.holder import ImpersonationHolder
from routing.impersonation.stage import ImpersonationStage

RAW = {"registry": {"brand_names": ["OurWallet"], "x_handles": ["OurWallet"], "x_user_ids": ["100"],
                    "telegram_bots": ["OurWalletBot"],
                    "telegram_admins": [{"user_id": "9001", "name": "Lily | OurWallet Support"}]}}
CUSTOMER, SCAMMER = 1, 2


def item(text: str, *, sender: str = "55", handle: str | None = "OurWallet_Help", name: str | None = "OurWallet",
         contact: int = SCAMMER, channel: Channel = Channel.TWITTER, tags: frozenset[str] = frozenset(),
         view: ConversationView | None = None, visibility: Visibility = Visibility.PUBLIC) -> PipelineItem:
    kind = IdentityKind.TWITTER if channel is Channel.TWITTER else IdentityKind.TELEGRAM
    message = InboundMessage(
        connector="c", channel=channel, provider_id=f"p-{sender}-{len(text)}", thread_key="t", visibility=visibility,
        sender=ContactIdentity(kind, sender, name, f"@{handle}" if handle else None), text=text,
        sent_at=datetime(2026, 12, 1, tzinfo=UTC))
    view = view or ConversationView(
        id=7, ticket="#10007", connector="c", channel=channel.value, visibility=Visibility.PUBLIC,
        status=ConversationStatus.OPEN, type=None, tags=tags, priority=Priority.NORMAL, team=None, assignee=None,
        is_new=False, contact_id=CUSTOMER)
    return PipelineItem(message=message, text=text, raw=None, conversation=view, is_first=False,
                        sender_contact_id=contact)


def run(*items: PipelineItem, raw: dict | None = None) -> None:
    ImpersonationStage(ImpersonationHolder.from_raw(raw or RAW), "https://inbox.example").process(items)


def test_impersonator_in_a_customers_thread_gets_the_full_treatment() -> None:
    it = item("Please DM us your recovery phrase to restore access")
    run(it)
    e = it.effects
    assert "impersonation" in e.add_tags and e.priority is Priority.HIGH and "impersonation" in it.message.flags
    [(reason, note)] = e.notes
    assert reason == "system:impersonation" and "brand_plus_support_word" in note and "asks_for_secret" in note
    public, private = e.replies
    assert public.visibility is Visibility.PUBLIC and public.in_reply_to == it.message.provider_id
    assert "https://inbox.example/verify" in public.text and "{ticket}" in public.text
    assert public.reason.startswith("impersonation:")
    assert private.visibility is Visibility.PRIVATE and private.private_link_fallback
    assert "@OurWallet_Help" in private.text
    assert e.reports[0]["account_id"] == "55" and not e.hide_public and not e.restrict_sender  # X: no delete


def test_telegram_fake_admin_is_deleted_and_restricted_and_switches_work() -> None:
    it = item("PM me", sender="777", handle="lily_help", name="Lily | OurWallet Support", channel=Channel.TELEGRAM)
    run(it)
    assert it.effects.hide_public and it.effects.restrict_sender
    off = item("PM me", sender="777", handle="lily_help", name="Lily | OurWallet Support", channel=Channel.TELEGRAM)
    run(off, raw={**RAW, "actions": {"telegram_delete": False, "telegram_restrict": False,
                                      "public_warning": False, "private_message": False}})
    assert not off.effects.hide_public and not off.effects.restrict_sender and not off.effects.replies
    assert "impersonation" in off.effects.add_tags  # still tagged and noted


def test_our_accounts_customers_and_genuine_people_are_never_acted_on() -> None:
    ours = item("We sent you a DM, never share your recovery phrase", sender="100", handle="OurWallet",
                name="OurWallet")
    admin = item("PM me the ticket number", sender="9001", handle="lily", name="Lily | OurWallet Support",
                 channel=Channel.TELEGRAM)
    customer = item("someone asked me to enter my seed phrase at https://ourwallet-sync.app, please DM me",
                    sender="11", handle="alice_w", name="Alice", contact=CUSTOMER)
    bystander = item("never share your recovery phrase, those DM accounts are scammers", sender="12",
                     handle="bob_b", name="Bob", contact=3)
    run(ours, admin, customer, bystander)
    for it in (ours, admin, customer, bystander):
        assert not it.effects.add_tags and not it.effects.replies and not it.effects.notes, it.message.sender
        assert not it.message.flags


def test_one_warning_per_conversation_and_none_to_a_tagged_one() -> None:
    first = item("DM us now")
    second = item("DM us, we can help", view=first.conversation)
    run(first, second)
    assert len(first.effects.replies) == 2 and not second.effects.replies and second.effects.notes
    later = item("DM us", tags=frozenset({"impersonation"}))
    run(later)
    assert not later.effects.replies and later.effects.notes


def test_an_impersonator_in_its_own_conversation_is_not_messaged_privately() -> None:
    it = item("Hi, I'm an admin, PM me", sender="777", handle="lily_help", name="Lily | OurWallet Support",
              channel=Channel.TELEGRAM, contact=CUSTOMER)  # the fake opened this (group) conversation itself
    run(it)
    assert [r.visibility for r in it.effects.replies] == [Visibility.PUBLIC]


def test_private_messages_and_disabled_settings_are_left_alone() -> None:
    dm = item("DM us your phrase", visibility=Visibility.PRIVATE)
    run(dm)
    assert not dm.effects.notes
    off = item("DM us your phrase")
    run(off, raw={**RAW, "enabled": False})
    assert not off.effects.notes


def test_chinese_conversation_gets_the_chinese_warning() -> None:
    it = item("您好，这里是OW钱包官方客服，请私信我们", handle="OurWallet_kefu", name="OurWallet 官方客服")
    it.language = "zh"
    run(it)
    assert "绝不会主动私信您" in it.effects.replies[0].text
