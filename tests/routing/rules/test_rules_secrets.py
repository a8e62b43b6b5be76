"""Rules saved from the admin UI (validate, then PUT /api/v1/rules) never carry a secret (issue #12 item 7)."""
from __future__ import annotations

from pathlib import Path

from mnemonic import Mnemonic

from routing.rules import RulesHolder

GOOD = "rules: [{name: tag-it, then: [{add_tag: v1}]}]\n"


def test_a_template_or_tag_with_a_secret_is_refused_naming_kind_and_line(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD, encoding="utf-8")
    holder = RulesHolder(path)
    seed = Mnemonic("english").generate(128)
    text = (
        "templates:\n"
        f"  restore: {{en: 'Restore with {seed}', zh: '用助记词恢复'}}\n"
        "rules:\n"
        "  - {name: tag-it, then: [{add_tag: 'card 4111 1111 1111 1111'}]}\n"
    )
    errors = holder.validate_text(text)
    assert len(errors) == 2
    assert "line 2" in errors[0] and "(seed_phrase)" in errors[0]
    assert "line 4" in errors[1] and "(card_number)" in errors[1]
    assert all(seed.split()[2] + " " + seed.split()[3] not in e and "4111" not in e for e in errors)
    assert holder.validate_text(GOOD) == []
    assert holder.validate_text((Path(__file__).parents[3] / "inbox" / "defaults" / "rules.yaml").read_text()) == []
