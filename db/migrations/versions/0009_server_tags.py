"""Server tags (microversion 2.26).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-20

``tags``: one row per (instance uuid, tag).  The API cell owns an
instance's tags and sends them to the instance's cell with the other
fields it owns; rows go when the instance is purged.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'tags',
        sa.Column('resource_id', sa.String(36), primary_key=True),
        sa.Column('tag', sa.String(80), primary_key=True),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('tags_tag_idx', 'tags', ['tag'])


def downgrade() -> None:
    op.drop_index('tags_tag_idx', table_name='tags')
    op.drop_table('tags')
