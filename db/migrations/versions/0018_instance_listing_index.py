"""A covering index for a project's listing of servers.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07

``GET /servers/detail`` reads the uuid and revision of a page of a
project's live instances, newest first (``id`` descending), on every
request.  ``instances_project_id_deleted_idx`` found the rows but each
then cost a look-up in the table; the index now holds ``id``, ``uuid``
and ``revision`` after ``project_id`` and ``deleted``, so the page is
read from the index alone, already in order.  It replaces the old one,
whose queries its prefix serves.
"""

from __future__ import annotations

from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

_OLD = ('instances_project_id_deleted_idx', ['project_id', 'deleted'])
_NEW = ('instances_project_id_deleted_listing_idx',
        ['project_id', 'deleted', 'id', 'uuid', 'revision'])


def upgrade() -> None:
    op.create_index(_NEW[0], 'instances', _NEW[1])
    op.drop_index(_OLD[0], table_name='instances')


def downgrade() -> None:
    op.create_index(_OLD[0], 'instances', _OLD[1])
    op.drop_index(_NEW[0], table_name='instances')
