"""Host aggregates and the availability zones they name.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07

``aggregates`` (name and uuid unique), ``aggregate_hosts`` (one row per
host of an aggregate) and ``aggregate_metadata`` (one row per key; the
key ``availability_zone`` names the zone of the aggregate's hosts).  An
aggregate lives in the cell of its hosts; rows are deleted for good.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_TABLE = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def upgrade() -> None:
    op.create_table(
        'aggregates',
        sa.Column('created_at', sa.DateTime),
        sa.Column('updated_at', sa.DateTime),
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=False),
        sa.UniqueConstraint('name', name='uniq_aggregates0name'),
        sa.UniqueConstraint('uuid', name='uniq_aggregates0uuid'),
        **_TABLE)
    op.create_table(
        'aggregate_hosts',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('host', sa.String(255), nullable=False),
        sa.Column('aggregate_id', sa.Integer,
                  sa.ForeignKey('aggregates.id'), nullable=False),
        sa.UniqueConstraint('host', 'aggregate_id',
                            name='uniq_aggregate_hosts0host0aggregate_id'),
        **_TABLE)
    op.create_table(
        'aggregate_metadata',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('aggregate_id', sa.Integer,
                  sa.ForeignKey('aggregates.id'), nullable=False),
        sa.Column('key', sa.String(255), nullable=False),
        sa.Column('value', sa.String(255), nullable=False),
        sa.UniqueConstraint('aggregate_id', 'key',
                            name='uniq_aggregate_metadata0aggregate_id0key'),
        **_TABLE)
    op.create_index('aggregate_metadata_key_idx', 'aggregate_metadata',
                    ['key'])


def downgrade() -> None:
    op.drop_index('aggregate_metadata_key_idx',
                  table_name='aggregate_metadata')
    op.drop_table('aggregate_metadata')
    op.drop_table('aggregate_hosts')
    op.drop_table('aggregates')
