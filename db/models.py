"""SQLAlchemy models: the one schema every cell's database uses.

Soft delete follows Nova: a live row has ``deleted = 0``; deleting sets
``deleted`` to the row's id and ``deleted_at`` to now, so a unique
constraint over ``(name, deleted)`` allows one live row per name and any
number of deleted ones.

Every change here needs an alembic revision in ``db/migrations/versions``;
``tests/unit/db/test_migrations.py`` fails when the two disagree.
"""

from __future__ import annotations

import datetime
import secrets

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import DateTime
from sqlalchemy import Float
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def new_revision() -> int:
    """A fresh ``instances.revision``: random, so that no two states of
    one instance share one, even across a purge and a new row."""
    return secrets.randbits(62)


class Base(DeclarativeBase):
    pass


class TimestampMixin:
    created_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, default=utcnow)
    updated_at: Mapped[datetime.datetime | None] = mapped_column(
        DateTime, onupdate=utcnow)


class SoftDeleteMixin(TimestampMixin):
    deleted_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    deleted: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class Instance(SoftDeleteMixin, Base):
    __tablename__ = 'instances'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_instances0uuid'),
        # Covers a project's listing: a page of uuids and revisions,
        # newest first, read from the index alone (migration 0018).
        Index('instances_project_id_deleted_listing_idx', 'project_id',
              'deleted', 'id', 'uuid', 'revision'),
        Index('instances_host_deleted_idx', 'host', 'deleted'),
        Index('instances_updated_at_idx', 'updated_at'),
        Index('instances_cell_name_idx', 'cell_name'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    display_name: Mapped[str | None] = mapped_column(String(255))
    display_description: Mapped[str | None] = mapped_column(Text)
    hostname: Mapped[str | None] = mapped_column(String(255))
    image_ref: Mapped[str | None] = mapped_column(String(255))
    key_name: Mapped[str | None] = mapped_column(String(255))
    key_data: Mapped[str | None] = mapped_column(Text)
    user_data: Mapped[str | None] = mapped_column(Text)
    # The scheduler hints its create named (JSON): shown from 2.100 and
    # sent again with a build whose request was lost.
    scheduler_hints: Mapped[str | None] = mapped_column(Text)
    # The flavor the instance runs with, as JSON (with its extra specs):
    # children never need a flavors table of their own.
    flavor: Mapped[str | None] = mapped_column(Text)
    instance_type_id: Mapped[int | None] = mapped_column(Integer)
    memory_mb: Mapped[int | None] = mapped_column(Integer)
    vcpus: Mapped[int | None] = mapped_column(Integer)
    root_gb: Mapped[int | None] = mapped_column(Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(Integer)
    vm_state: Mapped[str | None] = mapped_column(String(255))
    task_state: Mapped[str | None] = mapped_column(String(255))
    power_state: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    node: Mapped[str | None] = mapped_column(String(255))
    cell_name: Mapped[str | None] = mapped_column(String(255))
    availability_zone: Mapped[str | None] = mapped_column(String(255))
    reservation_id: Mapped[str | None] = mapped_column(String(255))
    launch_index: Mapped[int | None] = mapped_column(Integer)
    launched_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    terminated_at: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False,
                                         nullable=False)
    locked_by: Mapped[str | None] = mapped_column(String(255))
    access_ip_v4: Mapped[str | None] = mapped_column(String(39))
    access_ip_v6: Mapped[str | None] = mapped_column(String(39))
    # OS-DCF:diskConfig: AUTO (True) or MANUAL (False, or NULL in rows
    # older than the column).
    auto_disk_config: Mapped[bool | None] = mapped_column(Boolean)
    progress: Mapped[int | None] = mapped_column(Integer)
    # Incremented by the owning cell on every save; the top applies an
    # update only when it is newer than the copy it holds.
    sync_version: Mapped[int] = mapped_column(Integer, default=0,
                                              nullable=False)
    # Incremented by the API cell on every change of a field it owns
    # (name, metadata, lock); the owning cell applies such a change only
    # when it is newer than what it holds.
    api_version: Mapped[int] = mapped_column(Integer, default=0,
                                             nullable=False)
    # Drawn anew on every write of the row, and by every write of what a
    # server's view shows with it (metadata, info cache, faults): the API
    # keeps a server's rendered view while this is unchanged.
    revision: Mapped[int] = mapped_column(BigInteger, default=new_revision,
                                          onupdate=new_revision,
                                          nullable=False)


class InstanceFault(TimestampMixin, Base):
    __tablename__ = 'instance_faults'
    __table_args__ = (
        Index('instance_faults_instance_uuid_idx', 'instance_uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    code: Mapped[int] = mapped_column(Integer, nullable=False)
    message: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))


class InstanceInfoCache(SoftDeleteMixin, Base):
    __tablename__ = 'instance_info_caches'
    __table_args__ = (
        UniqueConstraint('instance_uuid',
                         name='uniq_instance_info_caches0instance_uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    network_info: Mapped[str | None] = mapped_column(Text)


class InstanceMetadata(SoftDeleteMixin, Base):
    __tablename__ = 'instance_metadata'
    __table_args__ = (
        Index('instance_metadata_instance_uuid_idx', 'instance_uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(String(255))


class InstanceSystemMetadata(SoftDeleteMixin, Base):
    __tablename__ = 'instance_system_metadata'
    __table_args__ = (
        Index('instance_system_metadata_instance_uuid_idx',
              'instance_uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(String(255))


class InstanceAction(SoftDeleteMixin, Base):
    __tablename__ = 'instance_actions'
    __table_args__ = (
        Index('instance_uuid_idx', 'instance_uuid'),
        Index('request_id_idx', 'request_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    action: Mapped[str | None] = mapped_column(String(255))
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    request_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    start_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    message: Mapped[str | None] = mapped_column(String(255))


class InstanceActionEvent(SoftDeleteMixin, Base):
    __tablename__ = 'instance_actions_events'

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    event: Mapped[str | None] = mapped_column(String(255))
    action_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey('instance_actions.id'))
    start_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    finish_time: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    result: Mapped[str | None] = mapped_column(String(255))
    traceback: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    details: Mapped[str | None] = mapped_column(Text)


class Service(SoftDeleteMixin, Base):
    __tablename__ = 'services'
    __table_args__ = (
        UniqueConstraint('host', 'binary', 'deleted',
                         name='uniq_services0host0binary0deleted'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    host: Mapped[str | None] = mapped_column(String(255))
    binary: Mapped[str | None] = mapped_column(String(255))
    topic: Mapped[str | None] = mapped_column(String(255))
    report_count: Mapped[int] = mapped_column(Integer, default=0,
                                              nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False,
                                           nullable=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(255))
    last_seen_up: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    forced_down: Mapped[bool] = mapped_column(Boolean, default=False,
                                              nullable=False)


class ComputeNode(SoftDeleteMixin, Base):
    __tablename__ = 'compute_nodes'
    __table_args__ = (
        UniqueConstraint('host', 'hypervisor_hostname', 'deleted',
                         name='uniq_compute_nodes0host0'
                              'hypervisor_hostname0deleted'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    service_id: Mapped[int | None] = mapped_column(Integer)
    host: Mapped[str | None] = mapped_column(String(255))
    hypervisor_hostname: Mapped[str | None] = mapped_column(String(255))
    hypervisor_type: Mapped[str | None] = mapped_column(String(255))
    hypervisor_version: Mapped[int | None] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    memory_mb: Mapped[int] = mapped_column(Integer, nullable=False,
                                           default=0)
    local_gb: Mapped[int] = mapped_column(Integer, nullable=False,
                                          default=0)
    vcpus_used: Mapped[int] = mapped_column(Integer, nullable=False,
                                            default=0)
    memory_mb_used: Mapped[int] = mapped_column(Integer, nullable=False,
                                                default=0)
    local_gb_used: Mapped[int] = mapped_column(Integer, nullable=False,
                                               default=0)
    free_ram_mb: Mapped[int | None] = mapped_column(Integer)
    free_disk_gb: Mapped[int | None] = mapped_column(Integer)
    running_vms: Mapped[int | None] = mapped_column(Integer)
    cpu_info: Mapped[str | None] = mapped_column(Text)
    ram_allocation_ratio: Mapped[float | None] = mapped_column(Float)
    disk_allocation_ratio: Mapped[float | None] = mapped_column(Float)
    cpu_allocation_ratio: Mapped[float | None] = mapped_column(Float)
    # The zone of the node's host (``[DEFAULT] availability_zone`` of its
    # nova-compute), for the host scheduler's zone filter.
    availability_zone: Mapped[str | None] = mapped_column(String(255))


class Migration(SoftDeleteMixin, Base):
    """A resize of one instance, from its source to its destination.

    Lives in the instance's own cell: the hosts of a resize are that
    cell's.  The flavors are kept whole (JSON, with extra specs) because a
    child cell has no flavors table to look them up in.
    """

    __tablename__ = 'migrations'
    __table_args__ = (
        Index('migrations_instance_uuid_and_status_idx', 'deleted',
              'instance_uuid', 'status'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    source_compute: Mapped[str | None] = mapped_column(String(255))
    dest_compute: Mapped[str | None] = mapped_column(String(255))
    source_node: Mapped[str | None] = mapped_column(String(255))
    dest_node: Mapped[str | None] = mapped_column(String(255))
    old_instance_type_id: Mapped[int | None] = mapped_column(Integer)
    new_instance_type_id: Mapped[int | None] = mapped_column(Integer)
    old_flavor: Mapped[str | None] = mapped_column(Text)
    new_flavor: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(255))
    migration_type: Mapped[str | None] = mapped_column(String(16))
    # A move between cells (recorded in the API cell only): the routing
    # paths of the cell it leaves and the cell it enters.
    source_cell: Mapped[str | None] = mapped_column(String(255))
    dest_cell: Mapped[str | None] = mapped_column(String(255))

    # Who asked for it (microversion 2.80 shows and filters them).
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))


class Flavor(TimestampMixin, Base):
    __tablename__ = 'flavors'
    __table_args__ = (
        UniqueConstraint('flavorid', name='uniq_flavors0flavorid'),
        UniqueConstraint('name', name='uniq_flavors0name'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    flavorid: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    memory_mb: Mapped[int] = mapped_column(Integer, nullable=False)
    vcpus: Mapped[int] = mapped_column(Integer, nullable=False)
    root_gb: Mapped[int | None] = mapped_column(Integer)
    ephemeral_gb: Mapped[int | None] = mapped_column(Integer)
    swap: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    rxtx_factor: Mapped[float | None] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True,
                                            nullable=False)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False,
                                           nullable=False)
    description: Mapped[str | None] = mapped_column(Text)


class FlavorProject(TimestampMixin, Base):
    """A project that may use a private flavor (Nova's flavor access)."""

    __tablename__ = 'flavor_projects'
    __table_args__ = (
        UniqueConstraint('flavor_id', 'project_id',
                         name='uniq_flavor_projects0flavor_id0project_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    flavor_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('flavors.id', ondelete='CASCADE'),
        nullable=False)
    project_id: Mapped[str] = mapped_column(String(255), nullable=False)


class FlavorExtraSpec(TimestampMixin, Base):
    __tablename__ = 'flavor_extra_specs'
    __table_args__ = (
        UniqueConstraint('flavor_id', 'key',
                         name='uniq_flavor_extra_specs0flavor_id0key'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    flavor_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('flavors.id', ondelete='CASCADE'),
        nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[str | None] = mapped_column(String(255))


class KeyPair(SoftDeleteMixin, Base):
    __tablename__ = 'key_pairs'
    __table_args__ = (
        UniqueConstraint('user_id', 'name', 'deleted',
                         name='uniq_key_pairs0user_id0name0deleted'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[str | None] = mapped_column(String(255))
    fingerprint: Mapped[str | None] = mapped_column(String(255))
    public_key: Mapped[str | None] = mapped_column(Text)
    type: Mapped[str] = mapped_column(String(16), nullable=False,
                                      default='ssh')


class Image(SoftDeleteMixin, Base):
    """An image of the API cell's small image registry.

    The registry is global data: only the API cell's table has rows, and
    the metadata of an image travels with each request that needs it.
    """

    __tablename__ = 'images'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_images0uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    # Glance's statuses: queued, saving, active, killed, deleted.
    status: Mapped[str] = mapped_column(String(32), nullable=False)
    is_public: Mapped[bool] = mapped_column(Boolean, default=False,
                                            nullable=False)
    owner: Mapped[str | None] = mapped_column(String(255))
    size: Mapped[int | None] = mapped_column(BigInteger)
    min_ram: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    min_disk: Mapped[int] = mapped_column(Integer, default=0,
                                          nullable=False)
    container_format: Mapped[str | None] = mapped_column(String(32))
    disk_format: Mapped[str | None] = mapped_column(String(32))
    # Free-form image properties (JSON object of strings).
    properties: Mapped[str | None] = mapped_column(Text)


class Cell(SoftDeleteMixin, Base):
    """A neighbour cell (parent or child) of the cell owning this DB."""

    __tablename__ = 'cells'
    __table_args__ = (
        UniqueConstraint('name', 'deleted', name='uniq_cells0name0deleted'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    transport_url: Mapped[str] = mapped_column(Text, nullable=False)
    is_parent: Mapped[bool] = mapped_column(Boolean, default=False,
                                            nullable=False)
    weight_offset: Mapped[float] = mapped_column(Float, default=0.0,
                                                 nullable=False)
    weight_scale: Mapped[float] = mapped_column(Float, default=1.0,
                                                nullable=False)
    # Takes no new builds and is being emptied (nova-manage cell drain).
    disabled: Mapped[bool] = mapped_column(Boolean, default=False,
                                           server_default='0',
                                           nullable=False)


class Network(SoftDeleteMixin, Base):
    __tablename__ = 'networks'

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    label: Mapped[str | None] = mapped_column(String(255))
    cidr: Mapped[str] = mapped_column(String(43), nullable=False)
    gateway: Mapped[str | None] = mapped_column(String(39))


class FixedIp(SoftDeleteMixin, Base):
    __tablename__ = 'fixed_ips'
    __table_args__ = (
        UniqueConstraint('address', 'deleted',
                         name='uniq_fixed_ips0address0deleted'),
        Index('fixed_ips_instance_uuid_idx', 'instance_uuid'),
        Index('fixed_ips_network_id_allocated_idx', 'network_id',
              'allocated'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    address: Mapped[str] = mapped_column(String(39), nullable=False)
    network_id: Mapped[int | None] = mapped_column(
        Integer, ForeignKey('networks.id'))
    instance_uuid: Mapped[str | None] = mapped_column(String(36))
    allocated: Mapped[bool] = mapped_column(Boolean, default=False,
                                            nullable=False)
    reserved: Mapped[bool] = mapped_column(Boolean, default=False,
                                           nullable=False)


class BandwidthUsage(TimestampMixin, Base):
    """Traffic of one interface of an instance in one audit period."""

    __tablename__ = 'bw_usage_cache'
    __table_args__ = (
        UniqueConstraint('uuid', 'mac', 'start_period',
                         name='uniq_bw_usage_cache0uuid0mac0start_period'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    mac: Mapped[str] = mapped_column(String(255), nullable=False)
    start_period: Mapped[datetime.datetime] = mapped_column(DateTime,
                                                            nullable=False)
    last_refreshed: Mapped[datetime.datetime | None] = mapped_column(
        DateTime)
    bw_in: Mapped[int | None] = mapped_column(BigInteger)
    bw_out: Mapped[int | None] = mapped_column(BigInteger)
    last_ctr_in: Mapped[int | None] = mapped_column(BigInteger)
    last_ctr_out: Mapped[int | None] = mapped_column(BigInteger)


class Quota(TimestampMixin, Base):
    """A project's own limit of one resource, overriding ``[quota]``.

    Kept by the API cell only.  A project without a row for a resource
    has the configured default; resetting a project deletes its rows.
    """

    __tablename__ = 'quotas'
    __table_args__ = (
        UniqueConstraint('project_id', 'resource',
                         name='uniq_quotas0project_id0resource'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(255), nullable=False)
    resource: Mapped[str] = mapped_column(String(255), nullable=False)
    hard_limit: Mapped[int] = mapped_column(Integer, nullable=False)


class QuotaClass(TimestampMixin, Base):
    """A limit of one resource for a quota class (``os-quota-class-sets``).

    Kept by the API cell only.  The ``default`` class's rows override the
    ``[quota]`` options as every project's defaults.
    """

    __tablename__ = 'quota_classes'
    __table_args__ = (
        UniqueConstraint('class_name', 'resource',
                         name='uniq_quota_classes0class_name0resource'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    class_name: Mapped[str] = mapped_column(String(255), nullable=False)
    resource: Mapped[str] = mapped_column(String(255), nullable=False)
    hard_limit: Mapped[int] = mapped_column(Integer, nullable=False)


class ProjectUserQuota(TimestampMixin, Base):
    """A user's own limit of one resource within a project
    (``os-quota-sets/{project_id}?user_id=``); never above the
    project's.  Kept by the API cell only."""

    __tablename__ = 'project_user_quotas'
    __table_args__ = (
        UniqueConstraint(
            'user_id', 'project_id', 'resource',
            name='uniq_project_user_quotas0user_id0project_id0resource'),
        Index('project_user_quotas_project_id_idx', 'project_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(255), nullable=False)
    user_id: Mapped[str] = mapped_column(String(255), nullable=False)
    resource: Mapped[str] = mapped_column(String(255), nullable=False)
    hard_limit: Mapped[int] = mapped_column(Integer, nullable=False)


class Tag(Base):
    """A tag of an instance (microversion 2.26): the API cell owns it and
    sends it to the instance's cell, as it does metadata."""

    __tablename__ = 'tags'
    __table_args__ = (
        Index('tags_tag_idx', 'tag'),
    )

    resource_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tag: Mapped[str] = mapped_column(String(80), primary_key=True)


class Aggregate(TimestampMixin, Base):
    """A host aggregate of this cell: its hosts (compute services of the
    cell) and its metadata, ``availability_zone`` naming their zone.

    Rows are deleted for good, as Nova deletes aggregates.
    """

    __tablename__ = 'aggregates'
    __table_args__ = (
        UniqueConstraint('name', name='uniq_aggregates0name'),
        UniqueConstraint('uuid', name='uniq_aggregates0uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str] = mapped_column(String(255), nullable=False)


class AggregateHost(Base):
    __tablename__ = 'aggregate_hosts'
    __table_args__ = (
        UniqueConstraint('host', 'aggregate_id',
                         name='uniq_aggregate_hosts0host0aggregate_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    host: Mapped[str] = mapped_column(String(255), nullable=False)
    aggregate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('aggregates.id'), nullable=False)


class AggregateMetadata(Base):
    __tablename__ = 'aggregate_metadata'
    __table_args__ = (
        UniqueConstraint('aggregate_id', 'key',
                         name='uniq_aggregate_metadata0aggregate_id0key'),
        Index('aggregate_metadata_key_idx', 'key'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    aggregate_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('aggregates.id'), nullable=False)
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    value: Mapped[str] = mapped_column(String(255), nullable=False)


class AggregateMapping(TimestampMixin, Base):
    """The tree-wide integer id of an aggregate (the one the REST API
    shows) and where the aggregate lives.

    Kept by the API cell only (see ``nova.compute.aggregate_api``); rows
    are allocated when an aggregate is created or first listed, and
    deleted with it.  Ids are never reused.
    """

    __tablename__ = 'aggregate_mappings'
    __table_args__ = (
        UniqueConstraint(
            'cell_path', 'cell_aggregate_id',
            name='uniq_aggregate_mappings0cell_path0cell_aggregate_id'),
        {'sqlite_autoincrement': True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    cell_path: Mapped[str] = mapped_column(String(255), nullable=False)
    cell_aggregate_id: Mapped[int] = mapped_column(Integer, nullable=False)
    aggregate_uuid: Mapped[str] = mapped_column(String(36), nullable=False)


class SecurityGroup(TimestampMixin, Base):
    """A project's security group.

    The API cell owns the groups; a child cell keeps copies (same ids) of
    the groups its instances are in, written when they arrive with a
    build or a change (see ``nova.compute.api_secgroups``).
    """

    __tablename__ = 'security_groups'
    __table_args__ = (
        UniqueConstraint('project_id', 'name',
                         name='uniq_security_groups0project_id0name'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    description: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str] = mapped_column(String(255), nullable=False)


class SecurityGroupRule(TimestampMixin, Base):
    """An ingress rule of a group: a protocol and port range (ICMP type
    and code), from a CIDR or from the members of another group."""

    __tablename__ = 'security_group_rules'
    __table_args__ = (
        Index('security_group_rules_parent_idx', 'parent_group_id'),
        Index('security_group_rules_group_idx', 'group_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    parent_group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('security_groups.id', ondelete='CASCADE'),
        nullable=False)
    protocol: Mapped[str | None] = mapped_column(String(255))
    from_port: Mapped[int | None] = mapped_column(Integer)
    to_port: Mapped[int | None] = mapped_column(Integer)
    cidr: Mapped[str | None] = mapped_column(String(43))
    # The source group: no foreign key, since a child's copy of a rule
    # may name a group it holds no copy of.
    group_id: Mapped[int | None] = mapped_column(Integer)


class SecurityGroupInstanceAssociation(TimestampMixin, Base):
    """An instance's membership of a group."""

    __tablename__ = 'security_group_instance_association'
    __table_args__ = (
        UniqueConstraint(
            'security_group_id', 'instance_uuid',
            name='uniq_sg_instance_association0sg_id0instance_uuid'),
        Index('security_group_instance_association_instance_uuid_idx',
              'instance_uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    security_group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('security_groups.id', ondelete='CASCADE'),
        nullable=False)
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)


class SecurityGroupDefaultRule(TimestampMixin, Base):
    """A rule every project's ``default`` group starts with (kept by the
    API cell; administrators manage them)."""

    __tablename__ = 'security_group_default_rules'

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    protocol: Mapped[str | None] = mapped_column(String(5))
    from_port: Mapped[int | None] = mapped_column(Integer)
    to_port: Mapped[int | None] = mapped_column(Integer)
    cidr: Mapped[str | None] = mapped_column(String(43))


class InstanceGroup(TimestampMixin, Base):
    """A server group: a project's instances placed by one policy.

    Kept by the API cell only; the policy and the members' hosts travel
    with each build of a member (see ``nova.compute.api_groups``).
    ``cell_name`` is the cell a hard-affinity group's members are built
    in, set once by the first build (a compare-and-set) so that builds
    racing for the first place end in one cell.
    """

    __tablename__ = 'instance_groups'
    __table_args__ = (
        UniqueConstraint('uuid', name='uniq_instance_groups0uuid'),
        Index('instance_groups_project_id_idx', 'project_id'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36), nullable=False)
    name: Mapped[str | None] = mapped_column(String(255))
    project_id: Mapped[str | None] = mapped_column(String(255))
    user_id: Mapped[str | None] = mapped_column(String(255))
    # affinity, anti-affinity, soft-affinity or soft-anti-affinity.
    policy: Mapped[str] = mapped_column(String(255), nullable=False)
    # The 2.64 rules as JSON (``{"max_server_per_host": 2}``).
    rules: Mapped[str | None] = mapped_column(Text)
    cell_name: Mapped[str | None] = mapped_column(String(255))


class InstanceGroupMember(TimestampMixin, Base):
    """An instance of a server group; its row goes with the group."""

    __tablename__ = 'instance_group_member'
    __table_args__ = (
        UniqueConstraint('group_id', 'instance_uuid',
                         name='uniq_instance_group_member0group_id0'
                              'instance_uuid'),
        Index('instance_group_member_instance_idx', 'instance_uuid'),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True,
                                    autoincrement=True)
    group_id: Mapped[int] = mapped_column(
        Integer, ForeignKey('instance_groups.id', ondelete='CASCADE'),
        nullable=False)
    instance_uuid: Mapped[str] = mapped_column(String(36), nullable=False)
