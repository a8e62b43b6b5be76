"""X (Twitter) connector: `type: twitter`."""
from connectors.twitter.config import RateWindow, TwitterConfig
from connectors.twitter.connector import TwitterConnector

__all__ = ["RateWindow", "TwitterConfig", "TwitterConnector"]
