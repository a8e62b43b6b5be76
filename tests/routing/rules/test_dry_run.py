import io
import json
from pathlib import Path

from routing.rules import dry_run

RULES = str(Path(__file__).resolve().parents[3] / "inbox" / "defaults" / "rules.yaml")


def run_lines(lines: list[str], rules_path: str = RULES) -> tuple[int, list[dict]]:
    out = io.StringIO()
    code = dry_run.run(rules_path, io.StringIO("".join(line + "\n" for line in lines)), out)
    return code, [json.loads(line) for line in out.getvalue().splitlines()]


def test_prints_which_rules_fire_and_what_they_do():
    code, [security, night] = run_lines([
        json.dumps({"text": "someone stole my coins", "type": "security", "at": "2026-11-24T10:00:00+08:00"}),
        json.dumps({"text": "你好", "type": "other", "language": "zh", "at": "2026-11-24T22:00:00+08:00"}),
    ])
    assert code == 0
    assert [f["rule"] for f in security["fired"]] == ["security-to-security-team"]
    assert security["effects"]["team"] == "security" and security["effects"]["priority"] == "urgent"
    assert [f["rule"] for f in night["fired"]] == ["everything-else-to-support", "off-hours-reply"]
    assert "周一至周五" in night["effects"]["replies"][0]["text"]
    assert night["audit"][-1]["actor"] == "rule:off-hours-reply"


def test_classifies_when_no_type_is_given():
    _, [result] = run_lines([json.dumps({"text": "我的提现三天了还没到账", "at": "2026-11-24T10:00:00+08:00"})])
    assert result["type"] == "withdrawal" and result["language"] == "zh"
    assert result["effects"]["team"] == "payments"


def test_bad_lines_get_an_error_each_and_the_rest_still_run():
    code, results = run_lines(["not json", json.dumps({"text": "x", "channel": "fax"}), "[]",
                               json.dumps({"text": "hi", "type": "other"})])
    assert code == 2 and len(results) == 4  # bad lines: answered, the rest run, non-zero exit (as scan, classify)
    assert "line 1" in results[0]["error"] and "fax" in results[1]["error"] and "line 3" in results[2]["error"]
    assert "fired" in results[3]


def test_bad_rules_file_is_reported(tmp_path):
    bad = tmp_path / "rules.yaml"
    bad.write_text("rules: [{name: r, then: [{explode: true}]}]", encoding="utf-8")
    code, [result] = run_lines([json.dumps({"text": "hi"})], str(bad))
    assert code == 2 and "rule 'r'" in result["error"] and "unknown action" in result["error"]


SEED = ("abandon ability able about above absent absorb abstract absurd abuse access accident")


def test_guard_runs_first_like_the_live_pipeline():
    from routing.guard import SensitiveStage

    line = json.dumps({"text": f"my seed is {SEED}, my withdrawal is stuck", "channel": "telegram",
                       "visibility": "public", "at": "2026-11-24T10:00:00+08:00"})
    out = io.StringIO()
    assert dry_run.run(RULES, io.StringIO(line + "\n"), out, SensitiveStage()) == 0
    result = json.loads(out.getvalue())
    assert result["findings"] == [{"kind": "seed_phrase", "tier": "secret"}]
    assert "abandon" not in result["stored_text"] and "abandon" not in out.getvalue()
    assert "secret-data-posted" in [f["rule"] for f in result["fired"]]
    assert result["effects"]["hide_public"] is True and result["effects"]["priority"] == "urgent"
    assert result["type"] == "withdrawal"  # classified from the masked text


def test_findings_given_in_the_input_skip_the_detector():
    from routing.guard import SensitiveStage

    line = json.dumps({"text": "nothing secret here", "findings": [{"kind": "password", "tier": "secret"}]})
    out = io.StringIO()
    dry_run.run(RULES, io.StringIO(line + "\n"), out, SensitiveStage())
    result = json.loads(out.getvalue())
    assert result["findings"] == [{"kind": "password", "tier": "secret"}]
    assert "secret-data-posted" in [f["rule"] for f in result["fired"]]
