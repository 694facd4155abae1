"""Per-user quotas (``os-quota-sets/{project_id}?user_id=``).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07

``project_user_quotas``: one row per (user, project, resource), a user's
own limit within a project.  Only the API cell writes it.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0011'
# Chained after 0010 on this branch so that there is one head; the merge
# re-chains the revisions.
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'project_user_quotas',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        sa.Column('created_at', sa.DateTime, nullable=True),
        sa.Column('updated_at', sa.DateTime, nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.Column('user_id', sa.String(255), nullable=False),
        sa.Column('resource', sa.String(255), nullable=False),
        sa.Column('hard_limit', sa.Integer, nullable=False),
        sa.UniqueConstraint(
            'user_id', 'project_id', 'resource',
            name='uniq_project_user_quotas0user_id0project_id0resource'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('project_user_quotas_project_id_idx',
                    'project_user_quotas', ['project_id'])


def downgrade() -> None:
    op.drop_index('project_user_quotas_project_id_idx',
                  table_name='project_user_quotas')
    op.drop_table('project_user_quotas')
