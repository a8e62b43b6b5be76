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

# Version bytes of Base58Check addresses: Bitcoin P2PKH/P2SH (1…, 3…), testnet/signet/regtest P2PKH/P2SH (m…/n…,
# 2…), Tron (T…).
_ADDRESS_VERSIONS = frozenset({0x00, 0x05, 0x6F, 0xC4, 0x41})
# Segwit addresses too short for the long-token pattern (witness v1+ programs of 2 bytes: "bc1z2rksukkjr8").
_SHORT_BECH32 = re.compile(
    r"(?<![0-9A-Za-z])(?:bc|tb|bcrt|BC|TB|BCRT)1[02-9ac-hj-np-zAC-HJ-NP-Z]{8,23}(?![0-9A-Za-z])"
)
# Words that make 64 hex digits a file or message digest someone compares, not a key or a transaction.
_DIGEST_CONTEXT = re.compile(
    r"sha-?256|sha-?2|sha256sum|sha-?1|md5|checksum|digest|fingerprint|sig(?:nature)?|gpg|pgp|release|download|"
    r"installer|apk|(?<![a-z])file|校验|校驗|摘要|签名|簽名|安装包|安裝包"
)
_XPRV_VERSIONS = {bytes.fromhex(version) for version in ("0488ade4", "04358394", "049d7878", "04b2430c", "02aa7a99")}


def find_crypto(text: str, lower: str) -> list[Candidate]:
    found: list[Candidate] = []
    if "bc1" in lower or "tb1" in lower or "bcrt1" in lower:
        for match in _SHORT_BECH32.finditer(text):
            if bech32_ok(match.group()):
                found.append(("wallet_address", match.start(), match.end()))
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
    if folded.startswith(("bc1", "tb1", "bcrt1")) and bech32_ok(token):
        return "wallet_address"
    if _BASE58.fullmatch(token) is None:
        return None
    first = token[0]
    if first in "13Tmn2" and 25 <= length <= 35:
        payload = base58check_payload(token)
        if payload is not None and len(payload) == 21 and payload[0] in _ADDRESS_VERSIONS:
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


def _key_or_tx(lower: str, start: int, *, prefixed: bool) -> str | None:
    """64 hex digits: a transaction hash when the nearest context says so, else (fail-safe) a private key.

    Without any context a 0x-prefixed value is read as an Ethereum transaction hash (explorers print them that
    way; exported keys usually come bare). A bare one is treated as a key: masking a txid costs little, keeping a
    key costs the customer's funds.
    """
    key = nearest_before(KEY_CONTEXT, lower, start, _CONTEXT_WINDOW)
    tx = nearest_before(TX_CONTEXT, lower, start, _CONTEXT_WINDOW)
    digest = nearest_before(_DIGEST_CONTEXT, lower, start, _CONTEXT_WINDOW)
    if digest is not None and (key is None or digest < key) and (tx is None or digest <= tx):
        return None  # "SHA256 e3b0c442… matches the website": a published digest, nothing to hide
    if key is not None and (tx is None or key <= tx):
        return "private_key"
    if tx is not None:
        return "tx_hash"
    return "tx_hash" if prefixed else "private_key"
