"""Impersonation: the official registry, the detector, and what the inbox does about fakes in our threads."""
from routing.impersonation.detect import Account, Signal, Verdict, assess
from routing.impersonation.registry import ImpersonationActions, ImpersonationSettings, OfficialRegistry, TelegramAdmin
from routing.impersonation.skeleton import skeleton

__all__ = ["Account", "ImpersonationActions", "ImpersonationSettings", "OfficialRegistry", "Signal", "TelegramAdmin",
           "Verdict", "assess", "skeleton"]
