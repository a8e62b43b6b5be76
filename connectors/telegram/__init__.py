"""Telegram connector (`type: telegram`): Bot API via python-telegram-bot, polling or webhook."""
from connectors.telegram.config import TelegramConfig
from connectors.telegram.connector import TelegramConnector

__all__ = ["TelegramConfig", "TelegramConnector"]
