"""contacts: verified identities, the merge journal

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    with op.batch_alter_table('contact_identities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified', sa.Boolean(), server_default=sa.true(), nullable=False))
    op.create_table('contact_merges',
    sa.Column('id', _Id, nullable=False),
    sa.Column('kept_id', _Id, nullable=False),
    sa.Column('merged_id', _Id, nullable=False),
    sa.Column('identity_ids', sa.JSON(), nullable=False),
    sa.Column('conversation_ids', sa.JSON(), nullable=False),
    sa.Column('merged_name', sa.String(length=200), nullable=True),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('merged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('unmerged_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('unmerged_by', sa.String(length=200), nullable=True),
    sa.ForeignKeyConstraint(['kept_id'], ['contacts.id'], name=op.f('fk_contact_merges_kept_id_contacts')),
    sa.ForeignKeyConstraint(['merged_id'], ['contacts.id'], name=op.f('fk_contact_merges_merged_id_contacts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contact_merges'))
    )
    with op.batch_alter_table('contact_merges', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_contact_merges_kept_id'), ['kept_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_contact_merges_merged_id'), ['merged_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('contact_merges', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_contact_merges_merged_id'))
        batch_op.drop_index(batch_op.f('ix_contact_merges_kept_id'))
    op.drop_table('contact_merges')
    with op.batch_alter_table('contact_identities', schema=None) as batch_op:
        batch_op.drop_column('verified')
