"""X DM media through `includes.media` (issue 18, part 1): typed and named from the media object instead of a bare
key with `application/octet-stream`. Shapes follow the X API v2 media object documentation (media_key, type,
url for photos, variants for videos and GIFs, width/height)."""
from __future__ import annotations

from connectors.twitter import TwitterConnector
from tests.connectors.twitter.conftest import CUSTOMER_ID, make_config
from tests.connectors.twitter.helpers import RecordingHost, running
from tests.connectors.twitter.standin import XStandin

PHOTO = {"media_key": "3_1729364512345678901", "type": "photo", "width": 1170, "height": 2532,
         "url": "https://ton.twitter.com/1.1/ton/data/dm/1729364512345678900/1729364512345678901/Xy3kQ.jpg"}
VIDEO = {"media_key": "7_1729364512345678902", "type": "video", "width": 720, "height": 1280,
         "preview_image_url": "https://pbs.twimg.com/dm_video_preview/1729364512345678902/img/a.jpg",
         "variants": [{"content_type": "application/x-mpegURL", "url": "https://video.twimg.com/dm_video/x/pl.m3u8"},
                      {"bit_rate": 632000, "content_type": "video/mp4", "url": "https://video.twimg.com/dm_video/x/320.mp4"},
                      {"bit_rate": 2176000, "content_type": "video/mp4", "url": "https://video.twimg.com/dm_video/x/720.mp4"}]}


async def test_dm_media_are_typed_and_named_from_includes(standin: XStandin) -> None:
    standin.media.update({PHOTO["media_key"]: PHOTO, VIDEO["media_key"]: VIDEO})
    standin.add_dm("screenshot of the failed withdrawal", CUSTOMER_ID,
                   attachments={"media_keys": [PHOTO["media_key"], VIDEO["media_key"], "3_404"]})
    host = RecordingHost()
    async with running(TwitterConnector("x-support", make_config(standin), host)):
        [m] = await host.wait_for(1)
    photo, video, missing = m.attachments
    assert (photo.name, photo.content_type, photo.provider_ref) == ("Xy3kQ.jpg", "image/jpeg", PHOTO["media_key"])
    assert photo.note.startswith("1170x2532 photo")
    assert (video.name, video.content_type) == ("720.mp4", "video/mp4")  # the highest bit rate mp4
    assert missing.content_type == "application/octet-stream" and missing.provider_ref == "3_404"
    [dm_call] = [r for r in standin.requests if r.path.endswith("/dm_events")][:1]
    assert "attachments.media_keys" in dm_call.query["expansions"] and "url" in dm_call.query["media.fields"]


async def test_dm_photo_bytes_are_fetched_signed_for_the_media_host(standin: XStandin) -> None:
    standin.media[PHOTO["media_key"]] = PHOTO
    path = "/1.1/ton/data/dm/1729364512345678900/1729364512345678901/Xy3kQ.jpg"
    standin.media_files[path] = b"\xff\xd8\xff\xe0 jpeg bytes"
    standin.add_dm("", CUSTOMER_ID, attachments={"media_keys": [PHOTO["media_key"]]})
    host = RecordingHost()
    async with running(TwitterConnector("x-support", make_config(standin), host)):
        [m] = await host.wait_for(1)
    [photo] = m.attachments
    assert photo.content == b"\xff\xd8\xff\xe0 jpeg bytes" and photo.size == len(photo.content)
    assert [r.path for r in standin.requests if r.path.startswith("/1.1/ton/")] == [path]


async def test_dm_media_over_the_limit_or_missing_are_noted_not_fetched(standin: XStandin, monkeypatch) -> None:
    from inbox.attachments import limits
    from inbox.domain import Channel

    monkeypatch.setitem(limits.DEFAULT_LIMITS, Channel.TWITTER, 10)
    standin.media.update({PHOTO["media_key"]: PHOTO, VIDEO["media_key"]: VIDEO})
    standin.media_files["/1.1/ton/data/dm/1729364512345678900/1729364512345678901/Xy3kQ.jpg"] = b"x" * 100
    standin.add_dm("two files", CUSTOMER_ID, attachments={"media_keys": [PHOTO["media_key"], VIDEO["media_key"]]})
    host = RecordingHost()
    async with running(TwitterConnector("x-support", make_config(standin), host)):
        [m] = await host.wait_for(1)
    photo, video = m.attachments
    assert photo.content is None and photo.note.startswith("refused: ")
    assert video.content is None and "not downloaded" in video.note  # video.twimg.com is not served here
    assert m.text == "two files"
