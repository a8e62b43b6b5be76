"""Wallet addresses, private keys and transaction hashes: long ASCII tokens told apart by checksum and context."""
from __future__ import annotations

import re

from routing.sensitive.checksums import base58check_payload, bech32_ok
from routing.sensitive.context import KEY_CONTEXT, TX_CONTEXT, nearest_before

Candidate = tuple[str, int, int]

# ASCII boundaries only, so a token glued to Chinese text ("地址TLa2…") is still found.
_LONG_TOKEN = re.compile(r"[0-9A-Za-z](?<![0-9A-Za-z][0-9A-Za-z])[0-9A-Za-z]{24,119}(?![0-9A-Za-z])")
_HEX = re.compile(r"[0-9a-fA-F]+")
_BASE58 = re.compile(r"[1-9A-HJ-NP-Za-km-z]+")
_CONTEXT_WINDOW = 60

_XPRV_VERSIONS = {bytes.fromhex(version) for version in ("0488ade4", "04358394", "049d7878", "04b2430c", "02aa7a99")}


def find_crypto(text: str, lower: str) -> list[Candidate]:
    found: list[Candidate] = []
    for match in _LONG_TOKEN.finditer(text):
        if match.start() and text[match.start() - 1].isascii() and text[match.start() - 1].isalnum():
            continue  # more than 120 characters long: not one of ours
        kind = _classify(match.group(), lower, match.start())
        if kind is not None:
            found.append((kind, match.start(), match.end()))
    return found


def _classify(token: str, lower: str, start: int) -> str | None:
    length = len(token)
    if token[:2] in ("0x", "0X"):
        body = token[2:]
        if _HEX.fullmatch(body) is None:
            return None
        if len(body) == 40:
            return "wallet_address"
        if len(body) == 64:
            return _key_or_tx(lower, start, prefixed=True)
        return None
    if length == 64 and _HEX.fullmatch(token):
        return _key_or_tx(lower, start, prefixed=False)
    folded = token.lower()
    if folded.startswith(("bc1", "tb1")) and bech32_ok(token):
        return "wallet_address"
    if _BASE58.fullmatch(token) is None:
        return None
    first = token[0]
    if first in "13T" and 25 <= length <= 35:
        payload = base58check_payload(token)
        if payload is not None and len(payload) == 21 and payload[0] in (0x00, 0x05, 0x41):
            return "wallet_address"
        return None
    if first in "5KLc9" and length in (51, 52):
        payload = base58check_payload(token)
        if payload is not None and payload[0] in (0x80, 0xEF) and len(payload) in (33, 34):
            return "private_key"
        return None
    if folded[1:4] == "prv" and length in (111, 112):
        payload = base58check_payload(token)
        if payload is not None and len(payload) == 78 and payload[:4] in _XPRV_VERSIONS:
            return "private_key"
    return None


def _key_or_tx(lower: str, start: int, *, prefixed: bool) -> str:
    """64 hex digits: a transaction hash when the nearest context says so, else (fail-safe) a private key.

    Without any context a 0x-prefixed value is read as an Ethereum transaction hash (explorers print them that
    way; exported keys usually come bare). A bare one is treated as a key: masking a txid costs little, keeping a
    key costs the customer's funds.
    """
    key = nearest_before(KEY_CONTEXT, lower, start, _CONTEXT_WINDOW)
    tx = nearest_before(TX_CONTEXT, lower, start, _CONTEXT_WINDOW)
    if key is not None and (tx is None or key <= tx):
        return "private_key"
    if tx is not None:
        return "tx_hash"
    return "tx_hash" if prefixed else "private_key"
