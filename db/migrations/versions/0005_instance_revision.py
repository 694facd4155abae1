"""Instance revisions, for the API's cache of rendered servers.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06

``instances.revision`` is drawn anew (at random) on every write of an
instance and of what its view shows (metadata, info cache, faults); a
server's rendered view is current while its revision is unchanged.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing rows all start at 0: nothing has cached them yet.
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('revision', sa.BigInteger,
                                   nullable=False, server_default='0'))
    with op.batch_alter_table('instances') as batch:
        batch.alter_column('revision', server_default=None,
                           existing_type=sa.BigInteger,
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('revision')
