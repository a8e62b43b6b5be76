"""classifier learning: agents' type corrections, retrained model versions

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('classifier_corrections',
    sa.Column('id', _Id, nullable=False),
    sa.Column('conversation_id', _Id, nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=10), nullable=True),
    sa.Column('from_type', sa.String(length=30), nullable=True),
    sa.Column('to_type', sa.String(length=30), nullable=False),
    sa.Column('agent_id', _Id, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_classifier_corrections_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_classifier_corrections_agent_id_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classifier_corrections')),
    sa.UniqueConstraint('conversation_id', name=op.f('uq_classifier_corrections_conversation_id'))
    )
    op.create_table('classifier_versions',
    sa.Column('id', _Id, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('correction_ids', sa.JSON(), nullable=False),
    sa.Column('heldout_ids', sa.JSON(), nullable=False),
    sa.Column('report', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('rolled_back_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_classifier_versions'))
    )


def downgrade() -> None:
    op.drop_table('classifier_versions')
    op.drop_table('classifier_corrections')
