"""Sending, hiding, deep links and downloads against the stand-in."""
from __future__ import annotations

import pytest

from connectors.base import (
    AuthError,
    PermanentError,
    PrivateChannelRefused,
    RecipientUnreachable,
    TransientError,
)
from connectors.telegram.errors import HideNotPermitted
from connectors.telegram.split import utf16_len
from inbox.domain import (
    Channel,
    ContactIdentity,
    IdentityKind,
    MessageRef,
    OutboundMessage,
    Visibility,
)
from tests.connectors.memory_host import MemoryHost
from tests.connectors.telegram.conftest import ALICE, BOB, GROUP
from tests.connectors.telegram.standin import TgChat, TgUser


def reply(thread_key: str, text: str, *, visibility: Visibility, to: TgUser = ALICE, in_reply_to: str | None = None,
          key: str = "out-1") -> OutboundMessage:
    return OutboundMessage(
        idempotency_key=key, connector="wallet-bot", channel=Channel.TELEGRAM, thread_key=thread_key,
        visibility=visibility, recipient=ContactIdentity(IdentityKind.TELEGRAM, str(to.id)), text=text,
        ticket="#10001", in_reply_to=in_reply_to,
    )


@pytest.fixture
async def connector(standin, make_connector):
    c = make_connector(MemoryHost())
    await c.start()
    yield c
    await c.stop()


async def test_private_reply_goes_to_the_private_chat(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
    result = await connector.send(reply(f"chat:{ALICE.id}", "Hello Alice, ticket #10001",
                                        visibility=Visibility.PRIVATE))
    [sent] = standin.sent
    assert (sent.chat_id, sent.text, sent.reply_to_message_id) == (ALICE.id, "Hello Alice, ticket #10001", None)
    assert result.provider_id == f"{ALICE.id}:{sent.message_id}" and result.extra_provider_ids == ()


async def test_public_group_reply_quotes_the_customer(standin, connector) -> None:
    asked = standin.inject_message(GROUP, ALICE, "swap failed")
    quoted_id = asked["message"]["message_id"]
    result = await connector.send(reply(f"group:{GROUP.id}:user:{ALICE.id}", "We are checking",
                                        visibility=Visibility.PUBLIC, in_reply_to=f"{GROUP.id}:{quoted_id}"))
    [sent] = standin.sent
    assert (sent.chat_id, sent.reply_to_message_id) == (GROUP.id, quoted_id)
    [call] = standin.calls_of("sendMessage")
    assert call.params["reply_parameters"] == {"message_id": quoted_id, "allow_sending_without_reply": True}
    assert result.provider_id == f"{GROUP.id}:{sent.message_id}"


async def test_quote_of_a_deleted_message_still_sends(standin, connector) -> None:
    standin.inject_message(GROUP, ALICE, "hello")
    await connector.send(reply(f"group:{GROUP.id}:user:{ALICE.id}", "Hi", visibility=Visibility.PUBLIC,
                               in_reply_to=f"{GROUP.id}:999"))
    assert standin.sent[0].reply_to_message_id is None


async def test_private_reply_on_a_group_conversation_goes_to_the_user(standin, connector) -> None:
    standin.inject_message(GROUP, ALICE, "my seed phrase is ...")
    standin.inject_message(TgChat.private(ALICE), ALICE, "/start")
    await connector.send(reply(f"group:{GROUP.id}:user:{ALICE.id}", "Never share it; we'll help here",
                               visibility=Visibility.PRIVATE, in_reply_to=f"{GROUP.id}:1"))
    [sent] = standin.sent
    assert sent.chat_id == ALICE.id and sent.reply_to_message_id is None


async def test_bot_that_cannot_start_the_chat_is_private_channel_refused(standin, connector) -> None:
    standin.inject_message(GROUP, BOB, "my password is hunter2")  # Bob never opened the bot
    with pytest.raises(PrivateChannelRefused, match="(?i)can't initiate conversation"):
        await connector.send(reply(f"group:{GROUP.id}:user:{BOB.id}", "Let's talk privately",
                                   visibility=Visibility.PRIVATE, to=BOB))
    assert standin.sent == []


async def test_unknown_user_on_the_private_path_is_private_channel_refused(standin, connector) -> None:
    standin.inject_message(GROUP, ALICE, "hi")
    stranger = TgUser(42, "Nobody")
    with pytest.raises(PrivateChannelRefused):
        await connector.send(reply(f"group:{GROUP.id}:user:42", "x", visibility=Visibility.PRIVATE, to=stranger))


async def test_blocked_bot_is_recipient_unreachable(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
    standin.blocked_by.add(ALICE.id)
    with pytest.raises(RecipientUnreachable, match="(?i)blocked by the user"):
        await connector.send(reply(f"chat:{ALICE.id}", "are you there?", visibility=Visibility.PRIVATE))


async def test_long_text_is_split_on_boundaries(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "explain fees")
    paragraphs = [f"Paragraph {n}: " + ("费用说明 fee details " * 120).strip() for n in range(4)]
    text = "\n\n".join(paragraphs)
    assert utf16_len(text) > 4096
    result = await connector.send(reply(f"chat:{ALICE.id}", text, visibility=Visibility.PRIVATE))
    assert len(standin.sent) >= 2
    assert all(utf16_len(m.text) <= 4096 for m in standin.sent)
    assert all(m.text.startswith("Paragraph") for m in standin.sent)  # cut between paragraphs
    assert "\n\n".join(m.text for m in standin.sent) == text
    assert result.provider_id == f"{ALICE.id}:{standin.sent[0].message_id}"
    assert result.extra_provider_ids == tuple(f"{ALICE.id}:{m.message_id}" for m in standin.sent[1:])


async def test_split_send_resumes_after_a_transient_failure(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "explain")
    text = ("word " * 500).strip() + "\n\n" + ("more " * 500).strip()
    standin.fail_next("sendMessage", 502, "Bad Gateway", after=1)  # the second part fails
    with pytest.raises(TransientError):
        await connector.send(reply(f"chat:{ALICE.id}", text, visibility=Visibility.PRIVATE, key="split"))
    assert len(standin.sent) == 1
    result = await connector.send(reply(f"chat:{ALICE.id}", text, visibility=Visibility.PRIVATE, key="split"))
    assert [m.text[:4] for m in standin.sent] == ["word", "more"]  # the first part was not sent twice
    assert result.provider_id == f"{ALICE.id}:{standin.sent[0].message_id}"
    assert result.extra_provider_ids == (f"{ALICE.id}:{standin.sent[1].message_id}",)


async def test_rate_limit_is_waited_out(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
    standin.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    await connector.send(reply(f"chat:{ALICE.id}", "sorry for the wait", visibility=Visibility.PRIVATE))
    assert standin.sent_texts() == ["sorry for the wait"]
    assert len(standin.calls_of("sendMessage")) == 2


async def test_long_rate_limit_is_transient_error_with_retry_after(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
    standin.fail_next("sendMessage", 429, "Too Many Requests: retry after 120", retry_after=120)
    with pytest.raises(TransientError) as caught:
        await connector.send(reply(f"chat:{ALICE.id}", "x", visibility=Visibility.PRIVATE))
    assert caught.value.retry_after == 120
    assert standin.sent == []


async def test_revoked_token_on_send_is_auth_error(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
    standin.revoke_token()
    with pytest.raises(AuthError) as caught:
        await connector.send(reply(f"chat:{ALICE.id}", "x", visibility=Visibility.PRIVATE))
    assert standin.token not in str(caught.value) and standin.token.split(":")[1] not in repr(caught.value)


async def test_bad_request_is_permanent(standin, connector) -> None:
    standin.inject_message(TgChat.private(ALICE), ALICE, "hi")
    standin.fail_next("sendMessage", 400, "Bad Request: can't parse entities")
    with pytest.raises(PermanentError, match="(?i)can't parse entities"):
        await connector.send(reply(f"chat:{ALICE.id}", "x", visibility=Visibility.PRIVATE))


async def test_foreign_thread_key_is_a_clear_error(connector) -> None:
    with pytest.raises(PermanentError, match="not a Telegram thread key"):
        await connector.send(reply("dm:123-456", "x", visibility=Visibility.PRIVATE))


async def test_hide_public_deletes_where_admin(standin, connector) -> None:
    standin.admin_in.add(GROUP.id)
    leaked = standin.inject_message(GROUP, ALICE, "my seed is abandon abandon ...")
    message_id = leaked["message"]["message_id"]
    ref = MessageRef("wallet-bot", f"{GROUP.id}:{message_id}", f"group:{GROUP.id}:user:{ALICE.id}")
    await connector.hide_public(ref)
    assert standin.deleted == [(GROUP.id, message_id)]
    await connector.hide_public(ref)  # already gone: fine


async def test_hide_public_without_admin_rights_is_refused(standin, connector) -> None:
    leaked = standin.inject_message(GROUP, ALICE, "my seed is ...")
    ref = MessageRef("wallet-bot", f"{GROUP.id}:{leaked['message']['message_id']}", "group")
    with pytest.raises(HideNotPermitted, match="(?i)can't be deleted") as caught:
        await connector.hide_public(ref)
    assert isinstance(caught.value, PermanentError)
    assert standin.deleted == []


async def test_private_link_uses_the_bot_username_from_getme(connector) -> None:
    assert connector.private_link("tk_123-abc") == "https://t.me/wallet_support_bot?start=tk_123-abc"
    with pytest.raises(ValueError):
        connector.private_link("has space")


async def test_private_recipient_is_the_same_telegram_user(connector) -> None:
    user = ContactIdentity(IdentityKind.TELEGRAM, "5")
    assert connector.private_recipient(user) == user
    assert connector.private_recipient(ContactIdentity(IdentityKind.EMAIL, "a@b.c")) is None


async def test_download_fetches_attachment_bytes(standin, connector) -> None:
    content = standin.document(b"%PDF-1.4 statement", "statement.pdf", "application/pdf")
    file_id = content["document"]["file_id"]
    assert await connector.download(file_id) == b"%PDF-1.4 statement"
    with pytest.raises(PermanentError, match="(?i)invalid file_id"):
        await connector.download("nope")


async def test_send_before_start_is_a_clear_error(make_connector) -> None:
    c = make_connector(MemoryHost())
    with pytest.raises(PermanentError, match="not started"):
        await c.send(reply(f"chat:{ALICE.id}", "x", visibility=Visibility.PRIVATE))


async def test_files_follow_the_text_as_a_photo_and_a_document(standin, connector) -> None:
    from dataclasses import replace

    from inbox.domain import Attachment

    standin.inject_message(TgChat.private(ALICE), ALICE, "please send the statement")
    png, pdf = b"\x89PNG\r\n\x1a\n" + b"p" * 20, b"%PDF-1.4 statement"
    message = replace(reply(f"chat:{ALICE.id}", "Here it is", visibility=Visibility.PRIVATE),
                      attachments=(Attachment("receipt.png", "image/png", len(png), content=png),
                                   Attachment("statement.pdf", "application/pdf", len(pdf), content=pdf)))
    result = await connector.send(message)
    assert [s.text for s in standin.sent] == ["Here it is"]
    assert standin.sent_files == [(ALICE.id, "photo", "receipt.png", png), (ALICE.id, "document", "statement.pdf", pdf)]
    assert len(result.extra_provider_ids) == 2
