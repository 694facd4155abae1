"""Who asked for a migration (2.80); a server's scheduler hints (2.100).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07

``migrations.user_id`` and ``migrations.project_id``: the user and project
of the request that started the resize, shown and filtered on by
``os-migrations`` from 2.80.  Older rows have neither (null), as in Nova.

``instances.scheduler_hints``: the hints a server's create named, as JSON
(servers show them from 2.100; older servers show none).
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('migrations') as batch:
        batch.add_column(sa.Column('user_id', sa.String(255), nullable=True))
        batch.add_column(sa.Column('project_id', sa.String(255),
                                   nullable=True))
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('scheduler_hints', sa.Text,
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('scheduler_hints')
    with op.batch_alter_table('migrations') as batch:
        batch.drop_column('project_id')
        batch.drop_column('user_id')
