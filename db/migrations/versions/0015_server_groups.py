"""Server groups.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07

``instance_groups``: one row per server group (policy, 2.64 rules as
JSON, and the cell a hard-affinity group builds in once chosen);
``instance_group_member``: one row per (group, instance uuid), dropped
with its group.  The API cell's database holds them; a child cell's
tables stay empty (a build carries its group).
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'instance_groups',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime, nullable=True),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('uuid', sa.String(36), nullable=False),
        sa.Column('name', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=True),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('policy', sa.String(255), nullable=False),
        sa.Column('rules', sa.Text, nullable=True),
        sa.Column('cell_name', sa.String(255), nullable=True),
        sa.UniqueConstraint('uuid', name='uniq_instance_groups0uuid'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('instance_groups_project_id_idx', 'instance_groups',
                    ['project_id'])
    op.create_table(
        'instance_group_member',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime, nullable=True),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('group_id', sa.Integer,
                  sa.ForeignKey('instance_groups.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.UniqueConstraint(
            'group_id', 'instance_uuid',
            name='uniq_instance_group_member0group_id0instance_uuid'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('instance_group_member_instance_idx',
                    'instance_group_member', ['instance_uuid'])


def downgrade() -> None:
    op.drop_index('instance_group_member_instance_idx',
                  table_name='instance_group_member')
    op.drop_table('instance_group_member')
    op.drop_index('instance_groups_project_id_idx',
                  table_name='instance_groups')
    op.drop_table('instance_groups')
