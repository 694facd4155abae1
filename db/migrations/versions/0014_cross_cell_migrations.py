"""Cold migration between cells, and cells that take no new builds.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07

``migrations.source_cell`` / ``dest_cell``: the routing paths of the
cells a migration leaves and enters; set on the API cell's record of a
move between cells (see ``nova.cells.moves``), empty for a move within
one cell.  ``cells.disabled``: a neighbour that the cell scheduler skips
(``nova-manage cell drain``).
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('migrations') as batch:
        batch.add_column(sa.Column('source_cell', sa.String(255),
                                   nullable=True))
        batch.add_column(sa.Column('dest_cell', sa.String(255),
                                   nullable=True))
    with op.batch_alter_table('cells') as batch:
        # A server default: rows other tools write (they predate the
        # column) are enabled cells.
        batch.add_column(sa.Column('disabled', sa.Boolean, nullable=False,
                                   server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('cells') as batch:
        batch.drop_column('disabled')
    with op.batch_alter_table('migrations') as batch:
        batch.drop_column('dest_cell')
        batch.drop_column('source_cell')
