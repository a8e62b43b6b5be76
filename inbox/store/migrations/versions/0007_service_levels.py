"""service levels: per-conversation SLA clocks, policies edited by admins, rating requests and ratings,
follow-ups, report rollups

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

_Id = sa.BigInteger().with_variant(sa.Integer(), 'sqlite')


def upgrade() -> None:
    op.create_table('report_hourly',
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('hour', sa.Integer(), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'hour', 'direction', name=op.f('pk_report_hourly'))
    )
    op.create_table('report_times',
    sa.Column('metric', sa.String(length=20), nullable=False),
    sa.Column('dimension', sa.String(length=10), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('bucket', sa.Integer(), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.Column('breached', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('metric', 'dimension', 'day', 'value', 'bucket', name=op.f('pk_report_times'))
    )
    op.create_table('report_volume',
    sa.Column('dimension', sa.String(length=10), nullable=False),
    sa.Column('day', sa.String(length=10), nullable=False),
    sa.Column('value', sa.String(length=100), nullable=False),
    sa.Column('direction', sa.String(length=10), nullable=False),
    sa.Column('count', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('dimension', 'day', 'value', 'direction', name=op.f('pk_report_volume'))
    )
    op.create_table('sla_cursor',
    sa.Column('name', sa.String(length=50), nullable=False),
    sa.Column('message_id', sa.BigInteger(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_sla_cursor'))
    )
    op.create_table('sla_settings',
    sa.Column('key', sa.String(length=50), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_sla_settings'))
    )
    op.create_table('conversation_sla',
    sa.Column('conversation_id', _Id, nullable=False),
    sa.Column('policy', sa.String(length=100), nullable=True),
    sa.Column('state', sa.String(length=10), nullable=False),
    sa.Column('first_response_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_response_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resolution_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('next_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_response_minutes', sa.Float(), nullable=True),
    sa.Column('resolution_minutes', sa.Float(), nullable=True),
    sa.Column('first_response_breached', sa.Boolean(), nullable=False),
    sa.Column('resolution_breached', sa.Boolean(), nullable=False),
    sa.Column('next_response_breaches', sa.Integer(), nullable=False),
    sa.Column('pauses', sa.JSON(), nullable=False),
    sa.Column('last_status', sa.String(length=10), nullable=True),
    sa.Column('next_alert_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fired', sa.JSON(), nullable=False),
    sa.Column('seen_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_conversation_sla_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('conversation_id', name=op.f('pk_conversation_sla'))
    )
    op.create_index('ix_conversation_sla_next_alert_at', 'conversation_sla', ['next_alert_at'], unique=False)
    op.create_index('ix_conversation_sla_state_next_due', 'conversation_sla', ['state', 'next_due'], unique=False)
    op.create_table('follow_ups',
    sa.Column('id', _Id, nullable=False),
    sa.Column('conversation_id', _Id, nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('created_by', _Id, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('done_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_follow_ups_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['created_by'], ['agents.id'], name=op.f('fk_follow_ups_created_by_agents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_ups'))
    )
    op.create_index(op.f('ix_follow_ups_conversation_id'), 'follow_ups', ['conversation_id'], unique=False)
    op.create_index('ix_follow_ups_open_due', 'follow_ups', ['done_at', 'due_at'], unique=False)
    op.create_table('rating_requests',
    sa.Column('id', _Id, nullable=False),
    sa.Column('conversation_id', _Id, nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_rating_requests_conversation_id_conversations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rating_requests')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_rating_requests_token_hash'))
    )
    op.create_index(op.f('ix_rating_requests_conversation_id'), 'rating_requests', ['conversation_id'], unique=False)
    op.create_table('satisfaction_ratings',
    sa.Column('id', _Id, nullable=False),
    sa.Column('conversation_id', _Id, nullable=False),
    sa.Column('request_id', _Id, nullable=True),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=20), nullable=False),
    sa.Column('type', sa.String(length=30), nullable=True),
    sa.Column('team_id', _Id, nullable=True),
    sa.Column('agent_id', _Id, nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agent_id'], ['agents.id'], name=op.f('fk_satisfaction_ratings_agent_id_agents')),
    sa.ForeignKeyConstraint(['conversation_id'], ['conversations.id'], name=op.f('fk_satisfaction_ratings_conversation_id_conversations')),
    sa.ForeignKeyConstraint(['request_id'], ['rating_requests.id'], name=op.f('fk_satisfaction_ratings_request_id_rating_requests')),
    sa.ForeignKeyConstraint(['team_id'], ['teams.id'], name=op.f('fk_satisfaction_ratings_team_id_teams')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction_ratings')),
    sa.UniqueConstraint('request_id', name=op.f('uq_satisfaction_ratings_request_id'))
    )
    op.create_index(op.f('ix_satisfaction_ratings_conversation_id'), 'satisfaction_ratings', ['conversation_id'], unique=False)
    op.create_index('ix_satisfaction_ratings_created', 'satisfaction_ratings', ['created_at'], unique=False)
    op.create_index('ix_conversations_updated_at', 'conversations', ['updated_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_conversations_updated_at', table_name='conversations')
    op.drop_index('ix_satisfaction_ratings_created', table_name='satisfaction_ratings')
    op.drop_index(op.f('ix_satisfaction_ratings_conversation_id'), table_name='satisfaction_ratings')
    op.drop_table('satisfaction_ratings')
    op.drop_index(op.f('ix_rating_requests_conversation_id'), table_name='rating_requests')
    op.drop_table('rating_requests')
    op.drop_index('ix_follow_ups_open_due', table_name='follow_ups')
    op.drop_index(op.f('ix_follow_ups_conversation_id'), table_name='follow_ups')
    op.drop_table('follow_ups')
    op.drop_index('ix_conversation_sla_state_next_due', table_name='conversation_sla')
    op.drop_index('ix_conversation_sla_next_alert_at', table_name='conversation_sla')
    op.drop_table('conversation_sla')
    op.drop_table('sla_settings')
    op.drop_table('sla_cursor')
    op.drop_table('report_volume')
    op.drop_table('report_times')
    op.drop_table('report_hourly')
