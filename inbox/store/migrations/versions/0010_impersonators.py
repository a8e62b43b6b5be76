"""impersonators: accounts seen impersonating us, with their latest evidence; the admin-saved official registry

Revision ID: 0010
Revises: 0009
"""
from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('impersonators',
    sa.Column('id', _Id, nullable=False),
    sa.Column('platform', sa.String(length=20), nullable=False),
    sa.Column('account_id', sa.String(length=64), nullable=False),
    sa.Column('handle', sa.String(length=100), nullable=True),
    sa.Column('display_name', sa.String(length=200), nullable=True),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('signals', sa.JSON(), nullable=False),
    sa.Column('excerpt', sa.Text(), nullable=True),
    sa.Column('conversation_id', _Id, nullable=True),
    sa.Column('provider_id', sa.String(length=500), nullable=True),
    sa.Column('times_seen', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('first_seen', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'],
                            name=op.f('fk_impersonators_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_impersonators')),
    sa.UniqueConstraint('platform', 'account_id', name=op.f('uq_impersonators_platform_account_id'))
    )
    op.create_table('official_registry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('updated_by', _Id, nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['updated_by'], ['agents.id'], name=op.f('fk_official_registry_updated_by_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_registry'))
    )


def downgrade() -> None:
    op.drop_table('official_registry')
    op.drop_table('impersonators')
