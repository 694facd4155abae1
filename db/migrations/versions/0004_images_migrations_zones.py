"""Image registry, resize migrations and compute node zones.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28

* ``images``: the API cell's small image registry (snapshots land here).
* ``migrations``: one row per resize, in the instance's own cell.
* ``compute_nodes.availability_zone``: the zone of the node's host.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}


def _soft_delete() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime, nullable=True),
            sa.Column('updated_at', sa.DateTime, nullable=True),
            sa.Column('deleted_at', sa.DateTime, nullable=True),
            sa.Column('deleted', sa.Integer, nullable=False)]


def _str(name: str, length: int = 255, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        'images',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        *_soft_delete(),
        _str('uuid', 36, nullable=False), _str('name'),
        _str('status', 32, nullable=False),
        sa.Column('is_public', sa.Boolean, nullable=False),
        _str('owner'),
        sa.Column('size', sa.BigInteger, nullable=True),
        sa.Column('min_ram', sa.Integer, nullable=False),
        sa.Column('min_disk', sa.Integer, nullable=False),
        _str('container_format', 32), _str('disk_format', 32),
        sa.Column('properties', sa.Text, nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_images0uuid'),
        **_MYSQL)

    op.create_table(
        'migrations',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        *_soft_delete(),
        _str('instance_uuid', 36),
        _str('source_compute'), _str('dest_compute'),
        _str('source_node'), _str('dest_node'),
        sa.Column('old_instance_type_id', sa.Integer, nullable=True),
        sa.Column('new_instance_type_id', sa.Integer, nullable=True),
        sa.Column('old_flavor', sa.Text, nullable=True),
        sa.Column('new_flavor', sa.Text, nullable=True),
        _str('status'), _str('migration_type', 16),
        **_MYSQL)
    op.create_index('migrations_instance_uuid_and_status_idx', 'migrations',
                    ['deleted', 'instance_uuid', 'status'])

    op.add_column('compute_nodes', _str('availability_zone'))


def downgrade() -> None:
    # SQLite cannot drop a column in place: batch mode copies the table.
    with op.batch_alter_table('compute_nodes') as batch:
        batch.drop_column('availability_zone')
    op.drop_table('migrations')
    op.drop_table('images')
