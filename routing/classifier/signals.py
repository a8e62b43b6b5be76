"""Secondary signals beside the one issue type: is the customer angry, asking for a supervisor, in a hurry?

A message about a withdrawal can also be furious; its type stays `withdrawal` and these tags let rules escalate
(see inbox/defaults/rules.yaml). Plain phrase lists, not the model: each tag must be explainable and cheap, and
"manager" inside "password manager" must not count.
"""
from __future__ import annotations

import re

ANGRY = "angry"
ASKS_SUPERVISOR = "asks_supervisor"
URGENT = "urgent"

_SUPERVISOR = re.compile(
    r"supervisor|(?<!password )(?<!account )(?<!relationship )\bmanager\b|someone (?:senior|in charge|higher up)"
    r"|higher up|your boss|speak to (?:someone|somebody) (?:senior|else)|escalate"
    r"|主管|经理|领导|负责人|上级|组长")
_ANGRY = re.compile(
    r"\b(?:worst|terrible|horrible|useless|ridiculous|unacceptable|pathetic|disgrace(?:ful)?|disgusted|furious|"
    r"angry|outrageous|appalling|awful|shocking|incompetent|joke|scam(?:mers)?|wtf|fed up|sick of|had enough|"
    r"complain(?:t|ing)?|shame on you)\b"
    r"|垃圾|太差|很差|真差|投诉|生气|气愤|愤怒|骗子|离谱|过分|无语|受够|差评|崩溃|可耻|坑人|tmd|什么破")
_URGENT = re.compile(
    r"\b(?:urgent(?:ly)?|asap|emergency|immediately|right now|straight away|as soon as possible|need it today|"
    r"need (?:the|my) money today)\b"
    r"|急|紧急|马上|立刻|立即|尽快|赶紧|火速")
_EXCLAIMS = re.compile(r"[!！]{3,}")
_SHOUTED_WORD = re.compile(r"\b[A-Z]{4,}\b")


def signals(text: str) -> tuple[str, ...]:
    folded = text.casefold()
    found = []
    if _ANGRY.search(folded) or _EXCLAIMS.search(text) or len(_SHOUTED_WORD.findall(text)) >= 2:
        found.append(ANGRY)
    if _SUPERVISOR.search(folded):
        found.append(ASKS_SUPERVISOR)
    if _URGENT.search(folded):
        found.append(URGENT)
    return tuple(found)
