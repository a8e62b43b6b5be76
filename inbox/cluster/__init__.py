"""Running the inbox as several processes (issue #19): roles, connector leases, outbox claim leases, event fan-out
through Redis, metrics. Everything here is off in the default single-process `inbox serve --role all` on SQLite."""
