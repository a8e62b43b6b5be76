"""The client address limits count against, and origin normalisation, on hand-made requests."""
from __future__ import annotations

import ipaddress

import pytest
from aiohttp.test_utils import make_mocked_request
from multidict import CIMultiDict

from connectors.webchat.admission import client_address, normalize_origin, origin_allowed

PROXIES = [ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("::1/128")]


def _request(peer: str, *forwarded: str, origin: str | None = None, host: str = "chat.example.com"):  # noqa: ANN202
    headers = CIMultiDict({"Host": host})
    for value in forwarded:
        headers.add("X-Forwarded-For", value)
    if origin is not None:
        headers["Origin"] = origin
    request = make_mocked_request("GET", "/chat/v1/ws", headers=headers)
    return request.clone(remote=peer)


@pytest.mark.parametrize(("peer", "forwarded", "expected"), [
    ("203.0.113.1", ("198.51.100.9",), "203.0.113.1"),  # not a proxy: its header is the client's own words
    ("10.1.2.3", ("198.51.100.9",), "198.51.100.9"),
    ("10.1.2.3", ("1.1.1.1, 198.51.100.9",), "198.51.100.9"),  # the left part was written by the client
    ("10.1.2.3", ("198.51.100.9, 10.9.9.9",), "198.51.100.9"),  # our own hops are skipped
    ("10.1.2.3", ("1.1.1.1", "198.51.100.9"), "198.51.100.9"),  # repeated headers read as one list
    ("10.1.2.3", ("10.0.0.5",), "10.1.2.3"),  # only proxies in the chain: the peer
    ("10.1.2.3", ("junk, 198.51.100.9",), "198.51.100.9"),
    ("10.1.2.3", ("198.51.100.9, junk",), "10.1.2.3"),  # a malformed hop of ours: trust none of it
    ("10.1.2.3", (), "10.1.2.3"),
    ("::1", ("2001:db8::7",), "2001:db8::7"),
    ("unix-socket", ("198.51.100.9",), "unix-socket"),
])
def test_client_address(peer: str, forwarded: tuple[str, ...], expected: str) -> None:
    assert client_address(_request(peer, *forwarded), PROXIES) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("https://Wallet.Example.com", "https://wallet.example.com"),
    ("https://wallet.example.com:443/", "https://wallet.example.com"),
    ("http://wallet.example.com:8080", "http://wallet.example.com:8080"),
    ("https://user@wallet.example.com", None), ("https://wallet.example.com/path", None),
    ("https://wallet.example.com?x=1", None), ("null", None), ("", None), ("ws://wallet.example.com", None),
    ("https://", None), ("https://wallet.example.com:99999", None),
])
def test_normalize_origin(value: str, expected: str | None) -> None:
    assert normalize_origin(value) == expected


@pytest.mark.parametrize(("origin", "host", "allowed"), [
    ("https://chat.example.com", "chat.example.com", True),  # TLS ended at a proxy: scheme not compared
    ("http://chat.example.com:8080", "chat.example.com:8080", True),
    ("http://chat.example.com:8080", "chat.example.com", False),
    ("https://chat.example.com.evil.net", "chat.example.com", False),
    ("https://chat.example.com", "", False),
    ("https://chat.example.com", "bad host header", False),
])
def test_same_host(origin: str, host: str, allowed: bool) -> None:
    assert origin_allowed(_request("10.0.0.1", origin=origin, host=host), [], None) is allowed
