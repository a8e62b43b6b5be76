"""Rules engine: an ordered YAML rules file (teams, business hours, reply templates, groups of rules) applied to
every inbound message as the pipeline stage "rules". See inbox/defaults/rules.yaml for a commented example.
"""
from routing.rules.actions import NO_AUTO_REPLY_FLAGS, ROUND_ROBIN
from routing.rules.engine import FiredRule, Rule, RuleGroup, RuleSet, RuleSummary
from routing.rules.errors import RulesError
from routing.rules.holder import RulesHolder
from routing.rules.loader import load_rules, parse_rules
from routing.rules.stage import RulesStage
from routing.rules.templates import TICKET_PLACEHOLDER

__all__ = ["FiredRule", "NO_AUTO_REPLY_FLAGS", "ROUND_ROBIN", "Rule", "RuleGroup", "RuleSet", "RuleSummary",
           "RulesError", "RulesHolder", "RulesStage", "TICKET_PLACEHOLDER", "load_rules", "parse_rules"]
