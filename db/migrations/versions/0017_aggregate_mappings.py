"""Tree-wide integer ids of host aggregates.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07

``aggregate_mappings``: one row per aggregate of the tree, kept by the
API cell (a child cell's table stays empty).  Its ``id`` is the integer
the REST API shows; ``cell_path`` and ``cell_aggregate_id`` say where the
aggregate lives, ``aggregate_uuid`` tells a reused local id from the
aggregate the row was made for.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'aggregate_mappings',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime, nullable=True),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('cell_path', sa.String(255), nullable=False),
        sa.Column('cell_aggregate_id', sa.Integer, nullable=False),
        sa.Column('aggregate_uuid', sa.String(36), nullable=False),
        sa.UniqueConstraint(
            'cell_path', 'cell_aggregate_id',
            name='uniq_aggregate_mappings0cell_path0cell_aggregate_id'),
        # Ids are never reused (SQLite reuses the highest rowid otherwise):
        # an old script naming a deleted aggregate must not hit a new one.
        sqlite_autoincrement=True,
        mysql_engine='InnoDB', mysql_charset='utf8mb4')


def downgrade() -> None:
    op.drop_table('aggregate_mappings')
