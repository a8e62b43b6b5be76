"""Who may open the chat from where: the browser Origin check and the client address that limits count against.

The Origin check stops a foreign web page from opening our chat socket in its visitors' browsers (a visitor token in
the victim's storage is not readable by it, but a page could otherwise chat as a fresh visitor from many browsers, or
carry a signed identity it obtained). Clients that send no Origin (the wallet's native app, scripts) are not
browsers; for them the user_hash or visitor token is the credential.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

from aiohttp import web
from yarl import URL

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(value: str) -> str | None:
    """`scheme://host[:port]` lower-cased with the default port dropped, or None when `value` is no web origin."""
    try:
        url = URL(value.strip())
    except (ValueError, TypeError):
        return None
    if url.scheme not in _DEFAULT_PORTS or not url.host or url.user or url.query_string or url.fragment:
        return None
    if url.path not in ("", "/"):
        return None
    host = url.host.lower()
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    port = url.port
    return f"{url.scheme}://{host}" + ("" if port in (None, _DEFAULT_PORTS[url.scheme]) else f":{port}")


def split_list(value: object) -> object:
    """Config lists may be written as one comma-separated string (the admin form's text input)."""
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.replace("\n", ",").split(",")) if part]
    return value


def origin_allowed(request: web.Request, allowed: Iterable[str], public_url: str | None) -> bool:
    """True when the request has no Origin (not a browser), or its Origin is configured, is the server's public URL,
    or is the very host the browser addressed (the server's own pages, such as /chat/demo)."""
    given = request.headers.get("Origin")
    if given is None:
        return True
    origin = normalize_origin(given)  # "null" (sandboxed frames, file://) and junk are no origin: refused
    if origin is None:
        return False
    if origin in allowed:
        return True
    if public_url and origin == _origin_of(public_url):
        return True
    return _same_host(origin, request.headers.get("Host", ""))


def _origin_of(url: str) -> str | None:
    try:
        return normalize_origin(str(URL(url).origin()))
    except ValueError:  # no scheme or host
        return None


def _same_host(origin: str, host_header: str) -> bool:
    # The scheme is not compared: a proxy that ends TLS talks plain HTTP to us, yet the browser's Origin is https.
    url = URL(origin)
    try:
        addressed = URL(f"{url.scheme}://{host_header.strip()}")
    except ValueError:
        return False
    return bool(addressed.host) and (addressed.host.lower(), addressed.port) == (url.host, url.port)


def client_address(request: web.Request, trusted_proxies: Sequence[IPNetwork]) -> str:
    """The address limits count against: the peer, or, when the peer is a configured trusted proxy, the nearest
    address in X-Forwarded-For that is not one of ours (anything further left could be written by the client)."""
    peer = request.remote or "unknown"
    if not trusted_proxies or not _is_trusted(peer, trusted_proxies):
        return peer
    hops = [h.strip() for header in request.headers.getall("X-Forwarded-For", []) for h in header.split(",")]
    for hop in reversed(hops):
        try:
            address = ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a malformed chain: trust none of it
        if not any(address in net for net in trusted_proxies):
            return str(address)
    return peer


def _is_trusted(peer: str, trusted: Sequence[IPNetwork]) -> bool:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in trusted)
