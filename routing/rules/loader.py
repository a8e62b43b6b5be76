"""Read and validate a rules file. Every problem is reported (not just the first), each naming file, rule and key."""
from __future__ import annotations

from pathlib import Path

import yaml

from routing.rules.action_parsing import Declarations, compile_action
from routing.rules.conditions import compile_when
from routing.rules.engine import Rule, RuleGroup, RuleSet
from routing.rules.errors import FieldError, RulesError
from routing.rules.schedule import BusinessHours, parse_business_hours
from routing.rules.templates import parse_texts

TOP_KEYS = ("version", "teams", "schedules", "templates", "groups", "rules")
GROUP_KEYS = ("name", "match", "rules")
RULE_KEYS = ("name", "description", "when", "then", "stop", "enabled")


class _Errors:
    def __init__(self, source: str) -> None:
        self.source = source
        self.lines: list[str] = []

    def top(self, error: FieldError) -> None:
        self.lines.append(f"{self.source}: key '{error.key}': {error.message}")

    def rule(self, rule: str, error: FieldError) -> None:
        self.lines.append(f"{self.source}: rule '{rule}': key '{error.key}': {error.message}")


def _teams(spec: object, errors: _Errors) -> dict[str, tuple[str, ...]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        errors.top(FieldError("teams", "expected a mapping of team name to its agents' emails (or [])"))
        return {}
    teams = {}
    for name, agents in spec.items():
        if isinstance(agents, dict) and set(agents) <= {"agents"}:
            agents = agents.get("agents")
        agents = [] if agents is None else agents
        if not isinstance(agents, list) or not all(isinstance(agent, str) and "@" in agent for agent in agents):
            errors.top(FieldError(f"teams.{name}", "expected a list of agent email addresses (may be empty)"))
            agents = []
        teams[str(name)] = tuple(agents)
    return teams


def _schedules(spec: object, errors: _Errors) -> dict[str, BusinessHours]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        errors.top(FieldError("schedules", "expected a mapping of schedule name to business hours"))
        return {}
    schedules = {}
    for name, hours in spec.items():
        try:
            schedules[str(name)] = parse_business_hours(str(name), hours, f"schedules.{name}")
        except FieldError as error:
            errors.top(error)
    return schedules


def _templates(spec: object, errors: _Errors) -> dict[str, dict[str, str]]:
    if spec is None:
        return {}
    if not isinstance(spec, dict):
        errors.top(FieldError("templates", 'expected a mapping of template name to {en: "...", zh: "..."}'))
        return {}
    templates = {}
    for name, texts in spec.items():
        try:
            templates[str(name)] = parse_texts(texts, f"templates.{name}")
        except FieldError as error:
            errors.top(error)
    return templates


def _rule(spec: object, position: str, declared: Declarations, errors: _Errors, names: set[str]) -> Rule | None:
    if not isinstance(spec, dict):
        errors.top(FieldError(position, "expected a rule mapping with name, when, then"))
        return None
    name = spec.get("name")
    if isinstance(name, (bool, int, float)):  # YAML reads on/off/yes/no as booleans and 42 as a number
        name = str(spec["name"]).lower() if not isinstance(name, bool) else None
        if name is None:
            errors.top(FieldError(f"{position}.name", "YAML reads this name as true/false: put it in quotes"))
            return None
    if not isinstance(name, str) or not name.strip():
        errors.top(FieldError(f"{position}.name", "every rule needs a name (it is used in the audit log)"))
        return None
    if name in names:
        errors.rule(name, FieldError("name", "another rule already has this name"))
    names.add(name)
    failed = len(errors.lines)
    for key in sorted(set(spec) - set(RULE_KEYS)):
        errors.rule(name, FieldError(key, f"unknown key (expected {', '.join(RULE_KEYS)})"))
    when = None
    try:
        when = compile_when(spec.get("when"), "when", declared.schedules)
    except FieldError as error:
        errors.rule(name, error)
    then = spec.get("then")
    if isinstance(then, dict):
        then = [then]
    if not isinstance(then, list) or not then:
        errors.rule(name, FieldError("then", "expected a list of actions"))
        then = []
    actions = []
    for index, action in enumerate(then):
        try:
            actions.append(compile_action(action, f"then[{index}]", declared))
        except FieldError as error:
            errors.rule(name, error)
    flags = {}
    for key, default in (("stop", False), ("enabled", True)):
        flags[key] = spec.get(key, default)
        if not isinstance(flags[key], bool):
            errors.rule(name, FieldError(key, "expected true or false"))
    description = spec.get("description", "")
    if len(errors.lines) > failed or when is None:
        return None
    return Rule(name, str(description), when, tuple(actions), flags["stop"], flags["enabled"])


def _groups(data: dict, declared: Declarations, errors: _Errors) -> tuple[RuleGroup, ...]:
    if "groups" in data and "rules" in data:
        errors.top(FieldError("rules", "use either groups: (ordered groups of rules) or rules: (one group), not both"))
        return ()
    groups_spec = data.get("groups") if "groups" in data else [{"name": "default", "rules": data.get("rules") or []}]
    if not isinstance(groups_spec, list):
        errors.top(FieldError("groups", "expected a list of groups, each with name and rules"))
        return ()
    names: set[str] = set()
    groups = []
    for index, group in enumerate(groups_spec):
        where = f"groups[{index}]"
        if not isinstance(group, dict) or not isinstance(group.get("rules"), list):
            errors.top(FieldError(where, "expected a mapping with name and a list of rules"))
            continue
        for key in sorted(set(group) - set(GROUP_KEYS)):
            errors.top(FieldError(f"{where}.{key}", f"unknown key (expected {', '.join(GROUP_KEYS)})"))
        match = group.get("match", "first")
        if match not in ("first", "all"):
            errors.top(FieldError(f"{where}.match", "expected first (only the first matching rule acts) or all"))
        rules = [_rule(rule, f"{where}.rules[{i}]", declared, errors, names) for i, rule in enumerate(group["rules"])]
        groups.append(RuleGroup(str(group.get("name", f"group {index + 1}")), match == "all",
                                tuple(rule for rule in rules if rule is not None)))
    return tuple(groups)


def parse_rules(text: str, source: str) -> RuleSet:
    """Compile rules from YAML text; raise RulesError listing every problem."""
    errors = _Errors(source)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise RulesError([f"{source}: not valid YAML: {error}"]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise RulesError([f"{source}: expected a mapping with teams, schedules, templates and groups"])
    for key in sorted(set(data) - set(TOP_KEYS), key=str):
        errors.top(FieldError(str(key), f"unknown key (expected {', '.join(TOP_KEYS)})"))
    if data.get("version", 1) != 1:
        errors.top(FieldError("version", f"unsupported version {data.get('version')!r} (this inbox reads version 1)"))
    declared = Declarations(_teams(data.get("teams"), errors), _schedules(data.get("schedules"), errors),
                            _templates(data.get("templates"), errors))
    groups = _groups(data, declared, errors)
    if errors.lines:
        raise RulesError(errors.lines)
    return RuleSet(source, groups, declared)


def load_rules(path: str | Path) -> RuleSet:
    """Read and compile the rules file at `path`; raise RulesError (naming file, rule and key) if it can't be used."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RulesError([f"{path}: can't read the rules file: {error}"]) from None
    return parse_rules(text, str(path))
