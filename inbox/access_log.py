"""aiohttp's access log without credentials: values of query parameters that carry one are written as `***`.

Agent tokens no longer travel in URLs, but the in-app chat's identity (`user_hash`, `visitor_token`) and private
links (`link`, `start`) must, and a careless client may still put `token=` in a URL. Applied to every field of the
line (the request line and the Referer both hold URLs). Keys are compared after percent-decoding, as the server
itself reads them.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote_plus

from aiohttp.abc import BaseRequest
from aiohttp.web_log import AccessLogger
from aiohttp.web_response import StreamResponse

SECRET_PARAMS = frozenset({"token", "visitor_token", "user_hash", "link", "start"})
# name=value inside a query string: after ? & or ;, up to the next separator, space, quote or fragment.
_PARAM = re.compile(r"(?<=[?&;])([^=&;#\s\"]+)=([^&;#\s\"]*)")


def redact_query_secrets(text: str) -> str:
    if "=" not in text:
        return text

    def one(m: re.Match[str]) -> str:
        return f"{m.group(1)}=***" if unquote_plus(m.group(1)).strip().lower() in SECRET_PARAMS else m.group(0)

    return _PARAM.sub(one, text)


class RedactingAccessLogger(AccessLogger):
    """The default access log format and logger, each field passed through redact_query_secrets."""

    def _format_line(self, request: BaseRequest, response: StreamResponse,
                     time: float) -> Iterable[tuple[str | tuple[str, str], str]]:
        return [(key, redact_query_secrets(value) if isinstance(value, str) else value)
                for key, value in super()._format_line(request, response, time)]
