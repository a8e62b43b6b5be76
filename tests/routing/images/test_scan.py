"""The guard's image reading on pictures drawn the way customers send them (rendered with real fonts; phrases from
the BIP-39 reference lists via `mnemonic`, keys from random bytes): found, blacked out, and the redacted copy reads
clean when scanned again."""
from __future__ import annotations

import io
import random

from mnemonic import Mnemonic
from PIL import Image

from routing.images.scan import scan_image
from routing.sensitive import detect
from routing.sensitive.images_eval import render
from routing.sensitive.images_eval.cases import DOCUMENTED_WIF, _CHINESE_TEXT

MASKED = frozenset({"seed_phrase", "private_key", "password", "otp", "card_number"})


def _secret(scan) -> list[str]:  # noqa: ANN001
    return [kind for kind, tier in scan.found if tier == "secret"]


def test_a_backup_screen_is_found_and_the_redacted_copy_reads_clean(ocr_languages) -> None:
    words = Mnemonic("english").to_mnemonic(random.Random(7).randbytes(16)).split()
    image = render.backup_screen(words, cjk=False)
    scan = scan_image(image, ocr_languages, MASKED, detect)
    assert _secret(scan) == ["seed_phrase"] and scan.masked == ("seed_phrase",)
    assert scan.redacted is not None and scan.redacted != image
    assert Image.open(io.BytesIO(scan.redacted)).size == (1080, 1920)
    again = scan_image(scan.redacted, ocr_languages, MASKED, detect)
    assert _secret(again) == [] and again.words > 0  # the title still reads; the words do not


def test_a_chinese_backup_screen_is_found(ocr_languages) -> None:
    words = Mnemonic("chinese_simplified").to_mnemonic(random.Random(8).randbytes(16)).split()
    scan = scan_image(render.backup_screen(words, cjk=True, title="备份助记词"), ocr_languages, MASKED, detect)
    assert "seed_phrase" in _secret(scan) and scan.redacted is not None


def test_a_key_in_a_qr_code_is_found_and_the_code_destroyed(ocr_languages) -> None:
    import zxingcpp

    image = render.qr_image(DOCUMENTED_WIF[0], caption="backup")
    scan = scan_image(image, ocr_languages, MASKED, detect)
    assert "private_key" in _secret(scan) and scan.codes == 1
    assert zxingcpp.read_barcodes(Image.open(io.BytesIO(scan.redacted))) == []


def test_an_address_qr_and_chinese_prose_are_not_secrets(ocr_languages) -> None:
    rng = random.Random(3)
    address = scan_image(render.qr_image("bitcoin:" + render.p2pkh_like(rng)), ocr_languages, MASKED, detect)
    assert ("wallet_address", "linkable") in address.found and address.redacted is None
    prose = scan_image(render.text_image(_CHINESE_TEXT, cjk=True), ocr_languages, MASKED, detect)
    assert _secret(prose) == [] and prose.redacted is None and prose.words > 20


def test_what_is_not_an_image_is_reported_not_skipped(ocr_languages) -> None:
    for data in (b"<html><script>x</script></html>", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40):
        scan = scan_image(data, ocr_languages, MASKED, detect)
        assert scan.error and scan.found == ()
