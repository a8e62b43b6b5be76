"""Channel connectors: each translates one vendor's payloads to and from `inbox.domain` types, nothing more."""
