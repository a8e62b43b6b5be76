"""private links: hashed tokens, bound to one identity, with an expiry

Revision ID: 0002
Revises: 0001

Links issued before this revision carried their token in clear and worked for anyone, forever. They are kept (a
customer may be about to open one) as hashes, with no expected identity (the first claimer binds them) and an expiry
of their creation time plus the default TTL.
"""
import hashlib
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from inbox.store.schema import UTCDateTime

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

DEFAULT_TTL = timedelta(days=7)
_ID = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    old = sa.table('private_links', sa.column('token', sa.String), sa.column('conversation_id', _ID),
                   sa.column('created_at', UTCDateTime()))
    rows = op.get_bind().execute(sa.select(old.c.token, old.c.conversation_id, old.c.created_at)).all()
    op.drop_table('private_links')
    new = op.create_table('private_links',
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', _ID, nullable=False),
    sa.Column('for_kind', sa.String(length=20), nullable=True),
    sa.Column('for_value', sa.String(length=320), nullable=True),
    sa.Column('bound_kind', sa.String(length=20), nullable=True),
    sa.Column('bound_value', sa.String(length=320), nullable=True),
    sa.Column('created_at', UTCDateTime(), nullable=False),
    sa.Column('expires_at', UTCDateTime(), nullable=False),
    sa.Column('bound_at', UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_private_links_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('token_hash', name=op.f('pk_private_links'))
    )
    if rows:
        op.bulk_insert(new, [
            {'token_hash': hashlib.sha256(r.token.encode()).hexdigest(), 'conversation_id': r.conversation_id,
             'created_at': r.created_at, 'expires_at': r.created_at + DEFAULT_TTL}
            for r in rows
        ])


def downgrade() -> None:
    # Hashes cannot be turned back into tokens: links issued since 0002 stop working after a downgrade.
    op.drop_table('private_links')
    op.create_table('private_links',
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('conversation_id', _ID, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_private_links_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('token', name=op.f('pk_private_links'))
    )
