"""The full-text index of messages: written in the same transaction as the message, read by the agent API's search.

Only what is stored is indexed: the masked text (and subject) the pipeline and the API write, so a secret the guard
removed never reaches the index. The tokens come from `inbox.store.search_tokens` (why in Python: see there).

- SQLite: `message_fts`, a contentless FTS5 table (rowid = messages.id) with two columns, `body` (words and CJK bigrams,
  phrase-searchable) and `chars` (CJK unigrams). Contentless: the text is already in `messages`, the index keeps only
  the inverted lists. SQLite 3.40 has no contentless_delete, so an edit removes the old entry with FTS5's 'delete'
  command, re-tokenising the old (stored) text — deterministic, same tokenizer.
- PostgreSQL: `message_search(message_id, conversation_id, tsv)` with a GIN index on `tsv`. The tsvector is built from
  our own tokens as a literal and cast (no text-search parser or dictionary runs, so the database's locale cannot
  change what is indexed); body tokens carry positions for phrase search (`<->`), CJK unigrams follow after a gap.
  GIN over tsvector ships with PostgreSQL itself (no extension), answers every token length, and unlike pg_trgm it can
  match one- and two-character Chinese queries from the index.
"""
from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, FromClause, column, table, text
from sqlalchemy.ext.asyncio import AsyncConnection

from inbox.store.schema import messages
from inbox.store.search_tokens import ParsedQuery, Tokens, index_text

FTS_TABLE = "message_fts"
PG_TABLE = "message_search"
_PG_MAX_POS = 16383  # PostgreSQL's largest tsvector position
_CHARS_GAP = 10  # unigrams sit after the body with a gap, so no phrase runs from a body token into them

# SQLite DDL (also used by the migration): the `ascii` tokenizer splits on the spaces between our tokens only (every
# non-ASCII character is a token character, ASCII is already lower-case), so FTS5 stores our tokens unchanged.
SQLITE_DDL = (f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(body, chars, content='', columnsize=0, "
              "tokenize='ascii')")
PG_DDL = (
    f"CREATE TABLE {PG_TABLE} (message_id BIGINT PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE, "
    "conversation_id BIGINT NOT NULL, tsv tsvector NOT NULL)",
    f"CREATE INDEX ix_{PG_TABLE}_tsv ON {PG_TABLE} USING gin (tsv)",
    f"CREATE INDEX ix_{PG_TABLE}_conversation ON {PG_TABLE} (conversation_id, message_id)",
)


def tsvector_literal(tokens: Tokens) -> str:
    """Tokens hold only letters and digits (never a quote, backslash or space), so quoting is plain."""
    parts = [f"'{t}':{min(i + 1, _PG_MAX_POS)}" for i, t in enumerate(tokens.body)]
    base = len(tokens.body) + _CHARS_GAP
    parts.extend(f"'{c}':{min(base + i, _PG_MAX_POS)}" for i, c in enumerate(tokens.chars))
    return " ".join(parts)


def _sqlite_row(message_id: int, tokens: Tokens) -> tuple[int, str, str]:
    return (message_id, " ".join(tokens.body), " ".join(tokens.chars))


async def index_messages(conn: AsyncConnection, rows: Sequence[tuple[int, int, str, str | None]]) -> None:
    """Index new messages: rows of (message id, conversation id, stored text, stored subject). Call it inside the
    transaction that inserts them."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE} (rowid, body, chars) VALUES (?, ?, ?)",
            [_sqlite_row(mid, index_text(body, subject)) for mid, _cid, body, subject in rows])
    else:
        await conn.exec_driver_sql(
            f"INSERT INTO {PG_TABLE} (message_id, conversation_id, tsv) VALUES ($1, $2, $3::tsvector) "
            "ON CONFLICT (message_id) DO UPDATE SET tsv = excluded.tsv",
            [(mid, cid, tsvector_literal(index_text(body, subject))) for mid, cid, body, subject in rows])


async def reindex_message(conn: AsyncConnection, message_id: int, conversation_id: int,
                          old: tuple[str, str | None], new: tuple[str, str | None]) -> None:
    """A message's text changed (an edit): replace its entry. `old` is the (text, subject) that was indexed."""
    if conn.dialect.name == "sqlite":
        await conn.exec_driver_sql(
            f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, body, chars) VALUES ('delete', ?, ?, ?)",
            _sqlite_row(message_id, index_text(*old)))
    await index_messages(conn, [(message_id, conversation_id, *new)])


async def move_index_entries(conn: AsyncConnection, from_conversation: int, to_conversation: int) -> None:
    """Messages moved to another conversation (a thread merge). SQLite's index is keyed by message id alone."""
    if conn.dialect.name != "sqlite":
        await conn.exec_driver_sql(f"UPDATE {PG_TABLE} SET conversation_id = $1 WHERE conversation_id = $2",
                                   (to_conversation, from_conversation))


def _fts_phrase(tokens: Sequence[str]) -> str:
    return '"' + " ".join(tokens) + '"'  # tokens never hold a double quote


def fts5_match(query: ParsedQuery) -> str:
    return " AND ".join(f"chars:{_fts_phrase([t.char])}" if t.char else f"body:{_fts_phrase(t.tokens)}"
                        for t in query.terms)


def tsquery_literal(query: ParsedQuery) -> str:
    parts = []
    for t in query.terms:
        if t.char:
            parts.append(f"'{t.char}'")
        else:
            parts.append("(" + " <-> ".join(f"'{tok}'" for tok in t.tokens) + ")")
    return " & ".join(parts)


_fts = table(FTS_TABLE, column("rowid"))
_pg = table(PG_TABLE, column("message_id"), column("conversation_id"), column("tsv"))


def hits(dialect: str, match: str) -> tuple[FromClause, ColumnElement, ColumnElement, ColumnElement]:
    """(FROM, hit message id, its conversation id, the MATCH condition) of a search over the index, to join with
    `conversations` and the list filters. `match` is `match_param`'s output, bound as a parameter."""
    if dialect == "sqlite":
        return (_fts.join(messages, messages.c.id == _fts.c.rowid), _fts.c.rowid, messages.c.conversation_id,
                text(f"{FTS_TABLE} MATCH :match").bindparams(match=match))
    return (_pg, _pg.c.message_id, _pg.c.conversation_id,
            text(f"{PG_TABLE}.tsv @@ CAST(:match AS tsquery)").bindparams(match=match))


# PostgreSQL: a query matching at most this many messages is read whole from the GIN index (then sorted); a more
# common one is read newest first along the primary key, checking each row, which finds a page after a few rows.
# The planner can't tell the two apart from statistics (a rare lexeme gets a default estimate), and guessing wrong
# either way is a scan of the table, so we ask the index: a bounded GIN read answers which case this is.
PG_RARE = 5000


async def pg_rare_hits(conn: AsyncConnection, match: str) -> list[tuple[int, int]] | None:
    """Every (message id, conversation id) matching, newest first, when there are at most PG_RARE; else None."""
    rows = (await conn.execute(text(
        f"WITH m AS MATERIALIZED (SELECT message_id, conversation_id FROM {PG_TABLE} "
        "WHERE tsv @@ CAST(:match AS tsquery) LIMIT :cap) SELECT message_id, conversation_id FROM m"),
        {"match": match, "cap": PG_RARE + 1})).all()
    if len(rows) > PG_RARE:
        return None
    return sorted(((r[0], r[1]) for r in rows), reverse=True)


def match_param(dialect: str, query: ParsedQuery) -> str:
    """The query in the store's own syntax: an FTS5 MATCH string, or a tsquery literal."""
    return fts5_match(query) if dialect == "sqlite" else tsquery_literal(query)


async def index_size_bytes(conn: AsyncConnection) -> int:
    """Bytes the index takes on disk (for the benchmark)."""
    if conn.dialect.name == "sqlite":
        try:
            return int((await conn.execute(text(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE :n"), {"n": f"{FTS_TABLE}%"})).scalar() or 0)
        except Exception:  # noqa: BLE001 - dbstat is a compile-time option; count the FTS pages instead
            pages = (await conn.execute(text(f"SELECT sum(length(block)) FROM {FTS_TABLE}_data"))).scalar()
            return int(pages or 0)
    return int((await conn.execute(text(f"SELECT pg_total_relation_size('{PG_TABLE}')"))).scalar() or 0)
