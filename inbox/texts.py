"""Short texts the inbox sends by itself, in Chinese and English (by the conversation's language)."""
from __future__ import annotations


def _zh(language: str | None) -> bool:
    return bool(language) and language.lower().startswith("zh")


def private_link_notice(link: str, ticket: str, language: str | None) -> str:
    if _zh(language):
        return f"为保护您的账户安全，我们需要在私信中继续处理（工单 {ticket}）。请点击进入私聊：{link}"
    return f"To protect your account we need to continue privately (ticket {ticket}). Please open a private chat: {link}"
