"""search: full-text index of messages, counters for the sidebar counts, indexes for every list filter

Revision ID: 0005
Revises: 0003

Existing messages are indexed here (the masked text as stored), with progress on standard error; counters are
computed once from the table, then kept by triggers in the same transaction as every conversation write. On
PostgreSQL the touched tables are ANALYZEd at the end (autovacuum may be off: stale statistics pick bad plans).
"""
from __future__ import annotations

import sys
import time

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None

_BATCH = 5000

_SQLITE_TRIGGERS = (
    """CREATE TRIGGER conversation_counts_insert AFTER INSERT ON conversations BEGIN
    INSERT INTO conversation_counts (team_key, assignee_key, status, n)
    VALUES (coalesce(new.team_id, 0), coalesce(new.assignee_id, 0), new.status, 1)
    ON CONFLICT (team_key, assignee_key, status) DO UPDATE SET n = n + 1;
END""",
    """CREATE TRIGGER conversation_counts_delete AFTER DELETE ON conversations BEGIN
    UPDATE conversation_counts SET n = n - 1 WHERE team_key = coalesce(old.team_id, 0)
    AND assignee_key = coalesce(old.assignee_id, 0) AND status = old.status;
END""",
    """CREATE TRIGGER conversation_counts_update AFTER UPDATE OF status, team_id, assignee_id ON conversations
WHEN old.status IS NOT new.status OR old.team_id IS NOT new.team_id OR old.assignee_id IS NOT new.assignee_id BEGIN
    UPDATE conversation_counts SET n = n - 1 WHERE team_key = coalesce(old.team_id, 0)
    AND assignee_key = coalesce(old.assignee_id, 0) AND status = old.status;
    INSERT INTO conversation_counts (team_key, assignee_key, status, n)
    VALUES (coalesce(new.team_id, 0), coalesce(new.assignee_id, 0), new.status, 1)
    ON CONFLICT (team_key, assignee_key, status) DO UPDATE SET n = n + 1;
END""",
)

_PG_TRIGGERS = (
    """CREATE FUNCTION conversation_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE conversation_counts SET n = n - 1 WHERE team_key = coalesce(OLD.team_id, 0)
        AND assignee_key = coalesce(OLD.assignee_id, 0) AND status = OLD.status;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO conversation_counts (team_key, assignee_key, status, n)
        VALUES (coalesce(NEW.team_id, 0), coalesce(NEW.assignee_id, 0), NEW.status, 1)
        ON CONFLICT (team_key, assignee_key, status) DO UPDATE SET n = conversation_counts.n + 1;
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER conversation_counts_insert_delete AFTER INSERT OR DELETE ON conversations
FOR EACH ROW EXECUTE FUNCTION conversation_counts_keep()""",
    """CREATE TRIGGER conversation_counts_update AFTER UPDATE OF status, team_id, assignee_id ON conversations
FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.team_id IS DISTINCT FROM NEW.team_id
OR OLD.assignee_id IS DISTINCT FROM NEW.assignee_id) EXECUTE FUNCTION conversation_counts_keep()""",
)

# Every filter the inbox UI offers, each with the list's order (newest first) behind it.
_CONVERSATION_INDEXES = {
    "ix_conversations_assignee_status_last": ("assignee_id", "status", "last_message_at"),
    "ix_conversations_team_status_last": ("team_id", "status", "last_message_at"),
    "ix_conversations_type_status_last": ("type", "status", "last_message_at"),
    "ix_conversations_channel_status_last": ("channel", "status", "last_message_at"),
    "ix_conversations_visibility_status_last": ("visibility", "status", "last_message_at"),
    "ix_conversations_last": ("last_message_at", "id"),
}


def _progress(done: int, total: int, started: float) -> None:
    rate = done / max(time.monotonic() - started, 1e-6)
    sys.stderr.write(f"\rsearch index: {done:,}/{total:,} messages ({rate:,.0f}/s)")
    sys.stderr.flush()


def _backfill(bind: sa.engine.Connection) -> None:
    from inbox.store.search import FTS_TABLE, PG_TABLE, tsvector_literal
    from inbox.store.search_tokens import index_text

    # As inbox.store.search writes them: what the inbox sent by itself (`reason` set) is not indexed.
    total = bind.execute(sa.text("SELECT count(*) FROM messages WHERE reason IS NULL")).scalar_one()
    if not total:
        return
    sqlite = bind.dialect.name == "sqlite"
    insert = sa.text(f"INSERT INTO {FTS_TABLE} (rowid, body, chars) VALUES (:id, :body, :chars)" if sqlite else
                     f"INSERT INTO {PG_TABLE} (message_id, conversation_id, tsv) "
                     "VALUES (:id, :cid, CAST(:tsv AS tsvector))")
    started, done, last = time.monotonic(), 0, 0
    while True:
        rows = bind.execute(sa.text("SELECT id, conversation_id, text, subject FROM messages WHERE id > :last "
                                    "AND reason IS NULL ORDER BY id LIMIT :n"), {"last": last, "n": _BATCH}).all()
        if not rows:
            break
        params = []
        for r in rows:
            tokens = index_text(r.text or "", r.subject)
            params.append({"id": r.id, "body": " ".join(tokens.body), "chars": " ".join(tokens.chars)} if sqlite
                          else {"id": r.id, "cid": r.conversation_id, "tsv": tsvector_literal(tokens)})
        bind.execute(insert, params)
        done, last = done + len(rows), rows[-1].id
        _progress(done, total, started)
    sys.stderr.write("\n")


def upgrade() -> None:
    from inbox.store.search import PG_DDL, SQLITE_DDL

    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    op.create_table(
        'conversation_counts',
        sa.Column('team_key', sa.BigInteger(), nullable=False),  # teams.id, 0 for no team
        sa.Column('assignee_key', sa.BigInteger(), nullable=False),  # agents.id, 0 for unassigned
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('n', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('team_key', 'assignee_key', 'status', name=op.f('pk_conversation_counts')),
    )
    op.execute("INSERT INTO conversation_counts (team_key, assignee_key, status, n) "
               "SELECT coalesce(team_id, 0), coalesce(assignee_id, 0), status, count(*) FROM conversations "
               "GROUP BY coalesce(team_id, 0), coalesce(assignee_id, 0), status")
    for statement in _SQLITE_TRIGGERS if sqlite else _PG_TRIGGERS:
        op.execute(statement)
    for name, columns in _CONVERSATION_INDEXES.items():
        op.create_index(name, 'conversations', list(columns))
    op.create_index('ix_contact_identities_value', 'contact_identities', ['value'])
    op.create_index('ix_contact_identities_handle', 'contact_identities', [sa.text('lower(handle)')])
    for statement in (SQLITE_DDL,) if sqlite else PG_DDL:
        op.execute(statement)
    _backfill(bind)
    if not sqlite:
        op.execute("ANALYZE conversations, conversation_counts, contact_identities, messages, message_search")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("DROP TABLE message_fts")
        for name in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER conversation_counts_{name}")
    else:
        op.execute("DROP TABLE message_search")
        op.execute("DROP TRIGGER conversation_counts_insert_delete ON conversations")
        op.execute("DROP TRIGGER conversation_counts_update ON conversations")
        op.execute("DROP FUNCTION conversation_counts_keep()")
    op.drop_index('ix_contact_identities_handle', 'contact_identities')
    op.drop_index('ix_contact_identities_value', 'contact_identities')
    for name in _CONVERSATION_INDEXES:
        op.drop_index(name, 'conversations')
    op.drop_table('conversation_counts')
