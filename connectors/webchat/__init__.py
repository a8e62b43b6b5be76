"""In-app chat: the wallet app's customers over a websocket served by our own aiohttp app."""
from connectors.webchat.connector import WebchatConfig, WebchatConnector

__all__ = ["WebchatConfig", "WebchatConnector"]
