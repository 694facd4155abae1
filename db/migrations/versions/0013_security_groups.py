"""Security groups with nova-network.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07

``security_groups`` (per project, one name each), their ingress
``security_group_rules``, ``security_group_instance_association`` (an
instance's groups) and ``security_group_default_rules`` (what a
project's ``default`` group starts with).  The API cell owns them; a
child cell keeps copies of the groups its instances are in.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime, nullable=True),
            sa.Column('updated_at', sa.DateTime, nullable=True)]


def upgrade() -> None:
    op.create_table(
        'security_groups',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        *_timestamps(),
        sa.Column('name', sa.String(255), nullable=False),
        sa.Column('description', sa.String(255), nullable=True),
        sa.Column('user_id', sa.String(255), nullable=True),
        sa.Column('project_id', sa.String(255), nullable=False),
        sa.UniqueConstraint('project_id', 'name',
                            name='uniq_security_groups0project_id0name'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_table(
        'security_group_rules',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        *_timestamps(),
        sa.Column('parent_group_id', sa.Integer,
                  sa.ForeignKey('security_groups.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('protocol', sa.String(255), nullable=True),
        sa.Column('from_port', sa.Integer, nullable=True),
        sa.Column('to_port', sa.Integer, nullable=True),
        sa.Column('cidr', sa.String(43), nullable=True),
        sa.Column('group_id', sa.Integer, nullable=True),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('security_group_rules_parent_idx',
                    'security_group_rules', ['parent_group_id'])
    op.create_index('security_group_rules_group_idx',
                    'security_group_rules', ['group_id'])
    op.create_table(
        'security_group_instance_association',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        *_timestamps(),
        sa.Column('security_group_id', sa.Integer,
                  sa.ForeignKey('security_groups.id', ondelete='CASCADE'),
                  nullable=False),
        sa.Column('instance_uuid', sa.String(36), nullable=False),
        sa.UniqueConstraint(
            'security_group_id', 'instance_uuid',
            name='uniq_sg_instance_association0sg_id0instance_uuid'),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')
    op.create_index('security_group_instance_association_instance_uuid_idx',
                    'security_group_instance_association', ['instance_uuid'])
    op.create_table(
        'security_group_default_rules',
        sa.Column('id', sa.Integer, primary_key=True, autoincrement=True),
        *_timestamps(),
        sa.Column('protocol', sa.String(5), nullable=True),
        sa.Column('from_port', sa.Integer, nullable=True),
        sa.Column('to_port', sa.Integer, nullable=True),
        sa.Column('cidr', sa.String(43), nullable=True),
        mysql_engine='InnoDB', mysql_charset='utf8mb4')


def downgrade() -> None:
    # Indexes go with their tables (MariaDB refuses to drop one a
    # foreign key needs).
    op.drop_table('security_group_default_rules')
    op.drop_table('security_group_instance_association')
    op.drop_table('security_group_rules')
    op.drop_table('security_groups')
