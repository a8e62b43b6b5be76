"""Update -> InboundMessage, on updates shaped as the Bot API documents them."""
from __future__ import annotations

import json

from connectors.telegram.translate import translate_update
from inbox.domain import Channel, IdentityKind, Visibility
from tests.connectors.telegram.conftest import ALICE, BOB, GROUP
from tests.connectors.telegram.standin import BotApiStandIn, TgChat, TgUser


def api() -> BotApiStandIn:
    return BotApiStandIn()  # used only as an update builder here; no server


def test_private_text_is_private_with_chat_thread() -> None:
    builder = api()
    update = builder.inject_message(TgChat.private(ALICE), ALICE, "我的充值还没到账")
    outcome = translate_update(update, "wallet-bot")
    m = outcome.message
    assert m is not None and outcome.update_id == update["update_id"]
    assert m.visibility is Visibility.PRIVATE
    assert m.channel is Channel.TELEGRAM
    assert m.thread_key == f"chat:{ALICE.id}"
    assert m.provider_id == f"{ALICE.id}:{update['message']['message_id']}"
    assert m.sender.kind is IdentityKind.TELEGRAM and m.sender.value == str(ALICE.id)
    assert m.sender.display_name == "Alice Wong" and m.sender.handle == "@alice_w"
    assert m.text == "我的充值还没到账"
    assert m.sent_at.tzinfo is not None
    assert m.thread_hints == () and m.link_token is None
    assert json.loads(m.raw or "") == update


def test_group_message_is_public_per_customer_with_reply_hint() -> None:
    builder = api()
    first = builder.inject_message(GROUP, BOB, "withdrawal stuck")
    reply = builder.inject_message(GROUP, ALICE, "same here", reply_to=first["message"]["message_id"])
    m = translate_update(reply, "wallet-bot").message
    assert m is not None
    assert m.visibility is Visibility.PUBLIC
    assert m.thread_key == f"group:{GROUP.id}:user:{ALICE.id}"
    quoted = f"{GROUP.id}:{first['message']['message_id']}"
    assert m.reply_to_provider_id == quoted
    assert m.thread_hints == (quoted,)
    plain = translate_update(first, "wallet-bot").message
    assert plain is not None and plain.thread_hints == () and plain.thread_key.endswith(f"user:{BOB.id}")


def test_basic_group_is_public_too() -> None:
    builder = api()
    small = TgChat(-4001, "group", title="Old group")
    m = translate_update(builder.inject_message(small, BOB, "hi"), "b").message
    assert m is not None and m.visibility is Visibility.PUBLIC and m.thread_key == f"group:-4001:user:{BOB.id}"


def test_edit_has_its_own_id_and_points_at_the_original() -> None:
    builder = api()
    chat = TgChat.private(ALICE)
    original = builder.inject_message(chat, ALICE, "my addr is 0xabc")
    message_id = original["message"]["message_id"]
    edit = builder.inject_edit(chat, message_id, "my address is 0xabcdef")
    m = translate_update(edit, "b").message
    assert m is not None
    edit_date = edit["edited_message"]["edit_date"]
    assert m.provider_id == f"{ALICE.id}:{message_id}:edit:{edit_date}"
    assert m.edit_of == f"{ALICE.id}:{message_id}"
    assert m.text == "my address is 0xabcdef"
    assert int(m.sent_at.timestamp()) == edit_date


def test_photo_document_and_voice_become_attachment_metadata() -> None:
    builder = api()
    chat = TgChat.private(ALICE)
    photo = builder.inject_message(chat, ALICE, content={**builder.photo(b"P" * 1000), "caption": "screenshot"})
    document = builder.inject_message(chat, ALICE, content=builder.document(b"%PDF-1.4", "statement.pdf",
                                                                          "application/pdf"))
    voice = builder.inject_message(chat, ALICE, content=builder.voice(b"OggS" * 10))

    p = translate_update(photo, "b").message
    assert p is not None and p.text == "screenshot"
    [pa] = p.attachments
    assert pa.provider_ref == photo["message"]["photo"][-1]["file_id"]  # the largest size
    assert (pa.content_type, pa.size) == ("image/jpeg", 1000)

    d = translate_update(document, "b").message
    assert d is not None and d.text == ""
    [da] = d.attachments
    assert (da.name, da.content_type, da.size) == ("statement.pdf", "application/pdf", 8)

    v = translate_update(voice, "b").message
    assert v is not None
    [va] = v.attachments
    assert va.content_type == "audio/ogg" and va.size == 40 and va.provider_ref == voice["message"]["voice"]["file_id"]


def test_start_with_token_in_private_chat_carries_link_token() -> None:
    builder = api()
    m = translate_update(builder.inject_message(TgChat.private(BOB), BOB, "/start tk_9fA-x2"), "b").message
    assert m is not None and m.link_token == "tk_9fA-x2"
    bare = translate_update(builder.inject_message(TgChat.private(BOB), BOB, "/start"), "b").message
    assert bare is not None and bare.link_token is None
    in_group = translate_update(builder.inject_message(GROUP, BOB, "/start tk_9fA-x2"), "b").message
    assert in_group is not None and in_group.link_token is None


def test_service_messages_and_other_update_kinds_open_nothing() -> None:
    builder = api()
    join = translate_update(builder.inject_join(GROUP, ALICE, BOB), "b")
    member = translate_update(builder.inject_my_chat_member(GROUP, ALICE), "b")
    pin_msg = builder.message(GROUP, ALICE, content={"pinned_message": builder.message(GROUP, BOB, "rules")})
    pin = translate_update(builder.inject({"message": pin_msg}), "b")
    future = translate_update(builder.inject({"business_story_reaction": {"id": 1}}), "b")
    for outcome in (join, member, pin, future):
        assert outcome.message is None and not outcome.malformed and outcome.update_id is not None


def test_bots_and_channels_are_not_customers() -> None:
    builder = api()
    other_bot = TgUser(999, "Spam", username="spam_bot", is_bot=True)
    assert translate_update(builder.inject_message(GROUP, other_bot, "buy now"), "b").message is None
    channel = TgChat(-1009, "channel", title="News")
    assert translate_update(builder.inject_message(channel, ALICE, "post"), "b").message is None


def test_unknown_fields_are_ignored() -> None:
    builder = api()
    update = builder.inject({
        "message": builder.message(TgChat.private(ALICE), ALICE, "hello", extra={"future_field": {"x": [1]}}),
        "another_future_field": True,
    })
    m = translate_update(update, "b").message
    assert m is not None and m.text == "hello"


def test_malformed_updates_are_reported_not_raised() -> None:
    no_chat = translate_update({"update_id": 7, "message": {"message_id": 1, "date": 1700000000, "text": "x"}}, "b")
    assert no_chat.malformed and no_chat.update_id == 7 and no_chat.message is None
    junk = translate_update({"update_id": 8, "message": "junk"}, "b")
    assert junk.malformed and junk.update_id == 8
    no_id = translate_update(["not", "an", "update"], "b")
    assert no_id.malformed and no_id.update_id is None


def test_shared_contact_location_venue_and_poll_become_readable_text() -> None:
    builder = api()
    chat = TgChat.private(BOB)
    contact = builder.message(chat, BOB, content={"contact": {
        "phone_number": "+8613812345678", "first_name": "Bob", "last_name": "Li", "user_id": BOB.id}})
    location = builder.message(chat, BOB, content={"location": {"latitude": 31.230416, "longitude": 121.473701}})
    venue = builder.message(chat, BOB, content={
        "location": {"latitude": 22.5431, "longitude": 114.0579},
        "venue": {"location": {"latitude": 22.5431, "longitude": 114.0579}, "title": "Branch office",
                  "address": "1 Shennan Rd, Shenzhen"}})
    poll = builder.message(GROUP, ALICE, content={"poll": {
        "id": "p1", "question": "Is the app down?", "options": [{"persistent_id": "o1", "text": "yes", "voter_count": 3},
                                                               {"persistent_id": "o2", "text": "no", "voter_count": 1}],
        "total_voter_count": 4, "is_closed": False, "is_anonymous": True, "type": "regular",
        "allows_multiple_answers": False}})
    texts = [translate_update(builder.inject({"message": m}), "b").message for m in (contact, location, venue, poll)]
    assert all(t is not None for t in texts)
    assert [t.text for t in texts] == [  # type: ignore[union-attr]
        "[shared contact: Bob Li, +8613812345678]",
        "[shared location: 31.23042, 121.47370]",
        "[shared place: Branch office, 1 Shennan Rd, Shenzhen (22.54310, 114.05790)]",
        "[poll: Is the app down? — yes / no]",
    ]
    dice = builder.message(chat, BOB, content={"dice": {"emoji": "🎲", "value": 4}})
    assert translate_update(builder.inject({"message": dice}), "b").message is None
