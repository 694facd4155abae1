"""Initial schema of a cell database.

Revision ID: 0001
Revises:
Create Date: 2026-11-21

Every cell (API cell or child) uses the same tables; a table a cell does
not need (flavors in a child, for example) simply stays empty.  The
tables are spelled out here rather than derived from the models: a later
change to ``nova/db/models.py`` must come with a revision of its own, and
``tests/unit/db/test_migrations.py`` checks that the two agree.
"""

from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None

# InnoDB for transactions and foreign keys; utf8mb4 so that any user
# supplied text (names, metadata, key data) round-trips on MariaDB.
_MYSQL = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4'}

# In the order they are created; downgrade drops them in reverse, so a
# table is always dropped before the one its foreign keys point at.
_TABLES = ('instances', 'instance_faults', 'instance_info_caches',
           'instance_metadata', 'instance_system_metadata',
           'instance_actions', 'instance_actions_events', 'services',
           'compute_nodes', 'flavors', 'flavor_extra_specs', 'key_pairs',
           'cells', 'networks', 'fixed_ips')


def _id() -> sa.Column:
    return sa.Column('id', sa.Integer, primary_key=True, autoincrement=True)


def _timestamps() -> list[sa.Column]:
    return [sa.Column('created_at', sa.DateTime, nullable=True),
            sa.Column('updated_at', sa.DateTime, nullable=True)]


def _soft_delete() -> list[sa.Column]:
    # ``deleted`` is 0 on a live row and the row's id once deleted, so that
    # unique constraints over (..., deleted) allow one live row only.
    return _timestamps() + [
        sa.Column('deleted_at', sa.DateTime, nullable=True),
        sa.Column('deleted', sa.Integer, nullable=False)]


def _str(name: str, length: int = 255, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.String(length), nullable=nullable)


def _text(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Text, nullable=nullable)


def _int(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Integer, nullable=nullable)


def _bool(name: str) -> sa.Column:
    return sa.Column(name, sa.Boolean, nullable=False)


def _float(name: str, nullable: bool = True) -> sa.Column:
    return sa.Column(name, sa.Float, nullable=nullable)


def _datetime(name: str) -> sa.Column:
    return sa.Column(name, sa.DateTime, nullable=True)


def _create_instance_tables() -> None:
    op.create_table(
        'instances', _id(), *_soft_delete(),
        _str('uuid', 36, nullable=False),
        _str('user_id'), _str('project_id'),
        _str('display_name'), _text('display_description'),
        _str('hostname'), _str('image_ref'),
        _str('key_name'), _text('key_data'), _text('user_data'),
        _text('flavor'), _int('instance_type_id'),
        _int('memory_mb'), _int('vcpus'), _int('root_gb'),
        _int('ephemeral_gb'),
        _str('vm_state'), _str('task_state'), _int('power_state'),
        _str('host'), _str('node'), _str('cell_name'),
        _str('availability_zone'), _str('reservation_id'),
        _int('launch_index'),
        _datetime('launched_at'), _datetime('terminated_at'),
        _bool('locked'), _str('locked_by'),
        _str('access_ip_v4', 39), _int('progress'),
        _int('sync_version', nullable=False),
        sa.UniqueConstraint('uuid', name='uniq_instances0uuid'),
        **_MYSQL)
    op.create_index('instances_project_id_deleted_idx', 'instances',
                    ['project_id', 'deleted'])
    op.create_index('instances_host_deleted_idx', 'instances',
                    ['host', 'deleted'])
    op.create_index('instances_updated_at_idx', 'instances', ['updated_at'])
    op.create_index('instances_cell_name_idx', 'instances', ['cell_name'])

    op.create_table(
        'instance_faults', _id(), *_timestamps(),
        _str('instance_uuid', 36, nullable=False),
        _int('code', nullable=False),
        _str('message'), _text('details'), _str('host'),
        **_MYSQL)
    op.create_index('instance_faults_instance_uuid_idx', 'instance_faults',
                    ['instance_uuid'])

    op.create_table(
        'instance_info_caches', _id(), *_soft_delete(),
        _str('instance_uuid', 36, nullable=False),
        _text('network_info'),
        sa.UniqueConstraint('instance_uuid',
                            name='uniq_instance_info_caches0instance_uuid'),
        **_MYSQL)

    for table in ('instance_metadata', 'instance_system_metadata'):
        op.create_table(
            table, _id(), *_soft_delete(),
            _str('instance_uuid', 36, nullable=False),
            _str('key', nullable=False), _str('value'),
            **_MYSQL)
        op.create_index(f'{table}_instance_uuid_idx', table,
                        ['instance_uuid'])


def _create_action_tables() -> None:
    op.create_table(
        'instance_actions', _id(), *_soft_delete(),
        _str('action'), _str('instance_uuid', 36), _str('request_id'),
        _str('user_id'), _str('project_id'),
        _datetime('start_time'), _datetime('finish_time'),
        _str('message'),
        **_MYSQL)
    op.create_index('instance_uuid_idx', 'instance_actions',
                    ['instance_uuid'])
    op.create_index('request_id_idx', 'instance_actions', ['request_id'])

    op.create_table(
        'instance_actions_events', _id(), *_soft_delete(),
        _str('event'),
        sa.Column('action_id', sa.Integer,
                  sa.ForeignKey('instance_actions.id'), nullable=True),
        _datetime('start_time'), _datetime('finish_time'),
        _str('result'), _text('traceback'), _str('host'), _text('details'),
        **_MYSQL)


def _create_host_tables() -> None:
    op.create_table(
        'services', _id(), *_soft_delete(),
        _str('host'), _str('binary'), _str('topic'),
        _int('report_count', nullable=False),
        _bool('disabled'), _str('disabled_reason'),
        _datetime('last_seen_up'), _bool('forced_down'),
        sa.UniqueConstraint('host', 'binary', 'deleted',
                            name='uniq_services0host0binary0deleted'),
        **_MYSQL)

    op.create_table(
        'compute_nodes', _id(), *_soft_delete(),
        _int('service_id'), _str('host'), _str('hypervisor_hostname'),
        _str('hypervisor_type'), _int('hypervisor_version'),
        *[_int(name, nullable=False) for name in (
            'vcpus', 'memory_mb', 'local_gb',
            'vcpus_used', 'memory_mb_used', 'local_gb_used')],
        _int('free_ram_mb'), _int('free_disk_gb'), _int('running_vms'),
        _text('cpu_info'),
        _float('ram_allocation_ratio'), _float('disk_allocation_ratio'),
        _float('cpu_allocation_ratio'),
        sa.UniqueConstraint(
            'host', 'hypervisor_hostname', 'deleted',
            name='uniq_compute_nodes0host0hypervisor_hostname0deleted'),
        **_MYSQL)


def _create_global_tables() -> None:
    op.create_table(
        'flavors', _id(), *_timestamps(),
        _str('flavorid', nullable=False), _str('name', nullable=False),
        _int('memory_mb', nullable=False), _int('vcpus', nullable=False),
        _int('root_gb'), _int('ephemeral_gb'),
        _int('swap', nullable=False), _float('rxtx_factor'),
        _bool('is_public'), _bool('disabled'), _text('description'),
        sa.UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
        sa.UniqueConstraint('name', name='uniq_flavors0name'),
        **_MYSQL)

    op.create_table(
        'flavor_extra_specs', _id(), *_timestamps(),
        sa.Column('flavor_id', sa.Integer,
                  sa.ForeignKey('flavors.id', ondelete='CASCADE'),
                  nullable=False),
        _str('key', nullable=False), _str('value'),
        sa.UniqueConstraint('flavor_id', 'key',
                            name='uniq_flavor_extra_specs0flavor_id0key'),
        **_MYSQL)

    op.create_table(
        'key_pairs', _id(), *_soft_delete(),
        _str('name', nullable=False), _str('user_id'),
        _str('fingerprint'), _text('public_key'),
        _str('type', 16, nullable=False),
        sa.UniqueConstraint('user_id', 'name', 'deleted',
                            name='uniq_key_pairs0user_id0name0deleted'),
        **_MYSQL)

    op.create_table(
        'cells', _id(), *_soft_delete(),
        _str('name', nullable=False),
        _text('transport_url', nullable=False),
        _bool('is_parent'),
        _float('weight_offset', nullable=False),
        _float('weight_scale', nullable=False),
        sa.UniqueConstraint('name', 'deleted',
                            name='uniq_cells0name0deleted'),
        **_MYSQL)


def _create_network_tables() -> None:
    op.create_table(
        'networks', _id(), *_soft_delete(),
        _str('label'), _str('cidr', 43, nullable=False),
        _str('gateway', 39),
        **_MYSQL)

    op.create_table(
        'fixed_ips', _id(), *_soft_delete(),
        _str('address', 39, nullable=False),
        sa.Column('network_id', sa.Integer, sa.ForeignKey('networks.id'),
                  nullable=True),
        _str('instance_uuid', 36),
        _bool('allocated'), _bool('reserved'),
        sa.UniqueConstraint('address', 'deleted',
                            name='uniq_fixed_ips0address0deleted'),
        **_MYSQL)
    op.create_index('fixed_ips_instance_uuid_idx', 'fixed_ips',
                    ['instance_uuid'])
    op.create_index('fixed_ips_network_id_allocated_idx', 'fixed_ips',
                    ['network_id', 'allocated'])


def upgrade() -> None:
    _create_instance_tables()
    _create_action_tables()
    _create_host_tables()
    _create_global_tables()
    _create_network_tables()


def downgrade() -> None:
    for table in reversed(_TABLES):
        op.drop_table(table)
