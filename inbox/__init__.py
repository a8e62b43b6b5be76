"""Omnichannel support inbox: domain, store, pipeline, agent API and UI."""

__version__ = "0.1.0"
