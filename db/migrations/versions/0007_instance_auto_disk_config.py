"""An instance's disk config.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-14

``instances.auto_disk_config``: ``OS-DCF:diskConfig`` of a server (AUTO
is true, MANUAL false), set on create, update, rebuild and resize.
Existing rows stay NULL, shown as MANUAL, as they always were.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('auto_disk_config', sa.Boolean,
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('auto_disk_config')
