"""Routing: issue-type tagging, rules, and the sensitive-data guard."""
