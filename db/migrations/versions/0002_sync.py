"""State sync: the API cell's version of the fields it owns, and
bandwidth usage.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21

``instances.api_version`` numbers the changes the API cell makes to the
fields it owns (name, metadata, lock), so that a child applies them in
order.  ``bw_usage_cache`` holds per-interface traffic, pushed up to the
top like every other instance change.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('api_version', sa.Integer,
                                   nullable=False, server_default='0'))
    # The server default only fills the existing rows; the model gives
    # new rows their value, as for every other column.
    with op.batch_alter_table('instances') as batch:
        batch.alter_column('api_version', server_default=None,
                           existing_type=sa.Integer, existing_nullable=False)
    op.create_table(
        'bw_usage_cache',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime, nullable=True),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('mac', sa.String(255), nullable=False),
        sa.Column('start_period', sa.DateTime, nullable=False),
        sa.Column('last_refreshed', sa.DateTime, nullable=True),
        sa.Column('bw_in', sa.BigInteger, nullable=True),
        sa.Column('bw_out', sa.BigInteger, nullable=True),
        sa.Column('last_ctr_in', sa.BigInteger, nullable=True),
        sa.Column('last_ctr_out', sa.BigInteger, nullable=True),
        sa.UniqueConstraint('uuid', 'mac', 'start_period',
                            name='uniq_bw_usage_cache0uuid0mac0'
                                 'start_period'),
        **_MYSQL)


def downgrade() -> None:
    op.drop_table('bw_usage_cache')
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('api_version')
