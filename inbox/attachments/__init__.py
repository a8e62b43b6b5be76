"""Attachments: a content-addressed blob store, type sniffing, size limits, thumbnails and the agent download route."""
