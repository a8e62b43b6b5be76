"""t.co links back to what they point at: X wraps every link in a tweet's text, `entities.urls` says where it goes.

Agents (and the impersonation detector) need the real destination; a t.co address says nothing about it.
"""
from __future__ import annotations

from typing import Any

from connectors.twitter.wire import XTweet


def expand_links(tweet: XTweet) -> XTweet:
    entities: Any = (tweet.model_extra or {}).get("entities")
    urls = entities.get("urls") if isinstance(entities, dict) else None
    if not isinstance(urls, list) or not urls:
        return tweet
    text = tweet.text
    for entry in urls:
        if not isinstance(entry, dict):
            continue
        short, expanded = entry.get("url"), entry.get("expanded_url") or entry.get("unwound_url")
        if isinstance(short, str) and isinstance(expanded, str) and short and short in text:
            text = text.replace(short, expanded)
    return tweet if text == tweet.text else tweet.model_copy(update={"text": text})
