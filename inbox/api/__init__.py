"""The agent API under /api/v1 (JSON, bearer tokens) and the events websocket."""
