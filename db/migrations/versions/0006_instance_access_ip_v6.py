"""An instance's IPv6 access address.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-14

``instances.access_ip_v6``: the ``accessIPv6`` a user gives a server on
create or update, kept by the API cell and sent down to the instance's
cell like the IPv4 one.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.add_column(sa.Column('access_ip_v6', sa.String(39),
                                   nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('instances') as batch:
        batch.drop_column('access_ip_v6')
