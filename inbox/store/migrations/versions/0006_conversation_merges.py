"""conversation merges: the journal of conversations joined because a message proved they are one thread

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('conversation_merges',
    sa.Column('id', _Id, nullable=False),
    sa.Column('kept_id', _Id, nullable=False),
    sa.Column('merged_id', _Id, nullable=False),
    sa.Column('connector', sa.String(length=64), nullable=False),
    sa.Column('proof', sa.String(length=500), nullable=False),
    sa.Column('message_count', sa.Integer(), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['kept_id'], ['conversations.id'], name=op.f('fk_conversation_merges_kept_id_conversations')),
    sa.ForeignKeyConstraint(['merged_id'], ['conversations.id'], name=op.f('fk_conversation_merges_merged_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_merges'))
    )
    with op.batch_alter_table('conversation_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_merges_kept_id'), ['kept_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conversation_merges_merged_id'), ['merged_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversation_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_merges_merged_id'))
        batch_op.drop_index(batch_op.f('ix_conversation_merges_kept_id'))
    op.drop_table('conversation_merges')
