"""inbox.logsecrets: registered secrets are masked in every record, whichever logger and handler, message and
traceback, as typed, percent-encoded or JSON-escaped."""
from __future__ import annotations

import json
import logging
from urllib.parse import quote

import pytest

from inbox import logsecrets

SECRET = 'p@ss:w/rd "quoted" 密码'


def test_a_registered_secret_is_masked_in_messages_and_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    logsecrets.register([SECRET, "abc"])  # "abc": too short to mask without masking ordinary words
    log = logging.getLogger("some.library.deep.child")  # no filter attached anywhere on this logger
    with caplog.at_level(logging.DEBUG):
        log.info("GET https://api.example.com/%s/getMe", quote(SECRET, safe=""))
        log.debug("params: %s", json.dumps({"token": SECRET}))
        try:
            raise RuntimeError(f"login with {SECRET} refused")
        except RuntimeError:
            log.exception("request failed")
        log.info("abc stays")
    text = caplog.text
    assert "request failed" in text and "RuntimeError: login with *** refused" in text
    assert SECRET not in text and quote(SECRET, safe="") not in text and json.dumps(SECRET)[1:-1] not in text
    assert text.count("***") >= 3 and "abc stays" in text
