"""Compute API microversions: the table of changes, the supported range
and header negotiation.

``_HISTORY`` is the one table of microversions: each entry says what the
version changes here (request schema, response fields, status codes,
routes) or which absent service it concerns.  The minimum and maximum the
API advertises (in the version documents and in negotiation) are its
first and last entries, and the README's table is rendered from it
(:func:`readme_table`).  Code consults the request's version with
:meth:`nova.api.wsgi.ApiRequest.at_least`; routes that exist only from or
until a version are named here and checked by the router
(:func:`route_allowed`).

A client asks for a microversion with ``OpenStack-API-Version: compute X.Y``
or the legacy ``X-OpenStack-Nova-API-Version: X.Y``; the newer header wins
when both are present. No header means the minimum, ``latest`` means the
maximum. The negotiated version is echoed on every response of the versioned
API together with ``Vary`` so caches keep responses apart.
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
import dataclasses
import functools
import re
import textwrap
from typing import NamedTuple
from typing import TypeVar

from nova.api import errors

SERVICE_TYPE = 'compute'
HEADER = 'OpenStack-API-Version'
LEGACY_HEADER = 'X-OpenStack-Nova-API-Version'
ENVIRON_KEY = 'nova.api_version'

_VERSION_RE = re.compile(r'^([1-9]\d*)\.([1-9]\d*|0)$')


class APIVersion(NamedTuple):
    """A microversion, ordered numerically (2.10 > 2.9)."""

    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        match = _VERSION_RE.match(text.strip())
        if not match:
            raise errors.InvalidAPIVersionString(version=text)
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f'{self.major}.{self.minor}'


@functools.lru_cache(maxsize=256)
def parsed(text: str) -> APIVersion:
    """``APIVersion.parse`` of a version the code names, kept: views ask
    for the same few versions once per server of a listing."""
    return APIVersion.parse(text)


# What a microversion is here.
HERE = 'here'        # its change is implemented
ABSENT = 'absent'    # it concerns something this project lacks


@dataclasses.dataclass(frozen=True)
class Microversion:
    """One row of the table: a version and what it changes."""

    version: str
    kind: str
    change: str
    routes_added: tuple[str, ...] = ()
    routes_removed: tuple[str, ...] = ()

    @property
    def parsed(self) -> APIVersion:
        return APIVersion.parse(self.version)


# Each microversion: what it changes here (request schema, response
# fields, status codes, routes), or what it concerns that this project
# lacks.  ``routes_added``/``routes_removed`` name router controllers
# (``name`` or ``name:action``) that exist only from / only before the
# version; the README's table is rendered from this one.
_HISTORY: tuple[Microversion, ...] = (
    Microversion('2.1', HERE, 'Initial version: the v2 API with strict '
                 'input validation.'),
    Microversion('2.2', HERE, 'Key pairs: ``type`` (ssh, x509) on create '
                 'and in every view; create answers 201, delete 204.'),
    Microversion('2.3', HERE, 'Server detail (with host attributes): '
                 '``OS-EXT-SRV-ATTR:`` reservation_id, launch_index, '
                 'ramdisk_id, kernel_id, hostname, root_device_name, '
                 'user_data.'),
    Microversion('2.4', ABSENT, 'No change here: concerns os-fixed-ips, '
                 'which this project lacks.'),
    Microversion('2.5', HERE, 'Servers listing: ``ip6`` filter allowed to '
                 'non-admins.'),
    Microversion('2.6', ABSENT, 'No change here: concerns remote consoles, '
                 'which this project lacks (404).'),
    Microversion('2.7', ABSENT, 'No change here: concerns flavor access '
                 '(is_public conflict), not on this branch.'),
    Microversion('2.8', ABSENT, 'No change here: concerns remote consoles '
                 '(mks), which this project lacks.'),
    Microversion('2.9', HERE, 'Server detail, update and rebuild: '
                 '``locked``.'),
    Microversion('2.10', HERE, 'Key pairs: an administrator names another '
                 'user (``user_id`` in the create body, ``?user_id=`` on '
                 'list, show and delete).'),
    Microversion('2.11', HERE, 'Services: ``forced_down`` in the view; '
                 '``PUT /os-services/force-down``.'),
    Microversion('2.12', ABSENT, 'No change here: concerns '
                 'os-virtual-interfaces, which this project lacks.'),
    Microversion('2.13', HERE, 'Server groups: ``project_id`` and '
                 '``user_id`` in the views.'),
    Microversion('2.14', ABSENT, 'No change here: concerns evacuate '
                 '(``onSharedStorage`` removed), which this project lacks '
                 '(400 "There is no such action").'),
    Microversion('2.15', HERE, 'Server groups: policies '
                 '``soft-affinity`` and ``soft-anti-affinity`` (weighed by '
                 'the cell and host schedulers, not enforced).'),
    Microversion('2.16', HERE, 'Server detail: ``host_status`` (UP, DOWN, '
                 'MAINTENANCE, UNKNOWN or empty) for administrators.'),
    Microversion('2.17', HERE, 'Action ``trigger_crash_dump``: the fake '
                 'driver cannot, so 400 as Nova answers an unsupporting '
                 'driver (409 for a server not ACTIVE).'),
    Microversion('2.18', HERE, 'The project ID in URLs is optional: '
                 '``/v2.1/{project_id}/servers`` and ``/v2.1/servers`` are '
                 'both served (at every version, as in Nova); another '
                 'project\'s ID is a 400.'),
    Microversion('2.19', HERE, 'Server ``description`` on create, update '
                 'and rebuild, and in the detail view; travels to the '
                 'cell like the name.'),
    Microversion('2.20', ABSENT, 'No change here: concerns volume attach '
                 'on shelved servers; volumes are absent.'),
    Microversion('2.21', HERE, 'Instance actions of a deleted server are '
                 'listed and shown.'),
    Microversion('2.22', HERE, '``POST /servers/{id}/migrations/{mid}/'
                 'action`` (``force_complete``): live migration is absent, '
                 'so 409 for a server not migrating, 400 for no such '
                 'migration.', routes_added=('server_migrations:action',)),
    Microversion('2.23', HERE, '``GET /servers/{id}/migrations`` and '
                 '``.../migrations/{mid}``: live migrations in progress '
                 '(none here: an empty list, a 404 show).',
                 routes_added=('server_migrations:index',
                               'server_migrations:show')),
    Microversion('2.24', HERE, '``DELETE /servers/{id}/migrations/{mid}`` '
                 '(abort a live migration): 409 for a server not '
                 'migrating, 404 for no such migration.',
                 routes_added=('server_migrations:delete',)),
    Microversion('2.25', HERE, '``os-migrateLive`` schema: '
                 '``block_migration`` may be ``auto``, '
                 '``disk_over_commit`` gone; live migration itself is '
                 'absent (400 after the checks).'),
    Microversion('2.26', HERE, 'Server tags: ``/servers/{id}/tags`` '
                 'routes, ``tags`` in the detail view, filters ``tags``, '
                 '``tags-any``, ``not-tags``, ``not-tags-any``; tags '
                 'travel to the cell.', routes_added=('server_tags',)),
    Microversion('2.27', HERE, 'The ``OpenStack-API-Version`` header '
                 '(served at every version).'),
    Microversion('2.28', HERE, 'Hypervisors: ``cpu_info`` an object, not '
                 'a string.'),
    Microversion('2.29', ABSENT, 'No change here: concerns evacuate '
                 '(``force``), which this project lacks.'),
    Microversion('2.30', HERE, '``os-migrateLive`` schema: ``force``; '
                 'live migration itself is absent.'),
    Microversion('2.31', ABSENT, 'No change here: concerns console auth '
                 'tokens, which this project lacks.'),
    Microversion('2.32', HERE, 'Create: a ``tag`` on each network '
                 '(2.32-2.36); block devices are refused (no volumes).'),
    Microversion('2.33', HERE, 'Hypervisors: ``limit`` and ``marker``.'),
    Microversion('2.34', ABSENT, 'No change here: concerns live migration '
                 'checks, which this project lacks.'),
    Microversion('2.35', HERE, 'Key pairs: ``limit`` and ``marker``, sorted '
                 'by name.'),
    Microversion('2.36', HERE, 'Proxy APIs answer 404 (``/images``, the '
                 'nova-network proxies, security groups and their rules '
                 'included); network quotas gone from limits and quota '
                 'sets.',
                 routes_removed=('images', 'os-networks',
                                 'os-tenant-networks', 'os-fixed-ips',
                                 'os-floating-ips', 'os-floating-ips-bulk',
                                 'os-floating-ip-pools',
                                 'os-floating-ip-dns',
                                 'os-security-groups',
                                 'os-security-group-rules',
                                 'os-security-group-default-rules',
                                 'os-volumes', 'os-snapshots',
                                 'os-baremetal-nodes', 'os-fping')),
    Microversion('2.37', HERE, 'Create: ``networks`` required (a list, '
                 '``auto`` or ``none``), network uuids strictly UUIDs; no '
                 '``tag`` on networks (until 2.42).'),
    Microversion('2.38', HERE, 'Servers listing: an unknown ``status`` is '
                 'a 400 (an empty list before).'),
    Microversion('2.39', HERE, '``maxImageMeta`` gone from limits; the '
                 'image metadata proxy (``/images/{id}/metadata``) '
                 'answers 404.',
                 routes_removed=('image_metadata',)),
    Microversion('2.40', ABSENT, 'No change here: concerns '
                 'os-simple-tenant-usage paging, not on this branch.'),
    Microversion('2.41', HERE, 'Aggregates: ``uuid`` in every view.'),
    Microversion('2.42', HERE, 'Create: ``tag`` on networks again.'),
    Microversion('2.43', HERE, '``os-hosts`` answers 404 (where present).',
                 routes_removed=('os-hosts',)),
    Microversion('2.44', ABSENT, 'No change here: concerns the fixed and '
                 'floating IP actions and os-virtual-interfaces, which '
                 'this project lacks.'),
    Microversion('2.45', HERE, '``createImage`` answers '
                 '``{"image_id": ...}`` and no ``Location``.'),
    Microversion('2.46', HERE, '``X-OpenStack-Request-ID`` (sent at every '
                 'version).'),
    Microversion('2.47', HERE, 'Server detail: the flavor embedded '
                 '(vcpus, ram, disk, ephemeral, swap, original_name, '
                 'extra_specs) instead of its id and links.'),
    Microversion('2.48', HERE, 'Server diagnostics in the standard form '
                 '(state, driver, memory, CPU, NIC and disk details).'),
    Microversion('2.49', ABSENT, 'No change here: concerns tagged '
                 'interface and volume attach, which this project lacks.'),
    Microversion('2.50', HERE, 'Quota class sets: ``server_groups`` and '
                 '``server_group_members`` shown, the network quotas '
                 'gone.'),
    Microversion('2.51', HERE, 'Instance action events shown to every '
                 'caller (``traceback`` only to administrators).'),
    Microversion('2.52', HERE, 'Create: ``tags``.'),
    Microversion('2.53', HERE, 'Services and hypervisors identified by '
                 'UUIDs (derived from the cell-qualified id); '
                 '``PUT /os-services/{id}``; hypervisor '
                 '``hypervisor_hostname_pattern`` and ``with_servers``; '
                 'the old PUT actions answer 400, ``search`` 404.',
                 routes_removed=('os-hypervisors:search',)),
    Microversion('2.54', HERE, 'Rebuild: ``key_name`` (null unsets).'),
    Microversion('2.55', HERE, 'Flavors: ``description`` in views and on '
                 'create; ``PUT /flavors/{id}`` changes it.',
                 routes_added=('flavor_manage:update',)),
    Microversion('2.56', HERE, '``migrate``: an optional ``host`` (of '
                 "the server's cell, or another cell's path or host: a "
                 'move between cells).'),
    Microversion('2.57', HERE, '``personality`` refused on create and '
                 'rebuild; ``user_data`` on rebuild; personality limits '
                 'and quotas gone.'),
    Microversion('2.58', HERE, 'Instance actions: ``limit``, ``marker``, '
                 '``changes-since``; ``updated_at`` in the view.'),
    Microversion('2.59', ABSENT, 'No change here: concerns migrations, '
                 'not on this branch.'),
    Microversion('2.60', ABSENT, 'No change here: concerns multiattach '
                 'volumes; volumes are absent.'),
    Microversion('2.61', HERE, 'Flavors: ``extra_specs`` in the detail '
                 'views (policy permitting).'),
    Microversion('2.62', HERE, 'Instance action events: ``host`` '
                 '(administrators) and ``hostId``.'),
    Microversion('2.63', HERE, '``trusted_image_certificates``: shown '
                 '(null); a non-empty list on create or rebuild is refused '
                 '(400), signatures are not verified here.'),
    Microversion('2.64', HERE, 'Server groups: ``policy`` (a string) and '
                 '``rules`` (``max_server_per_host``, anti-affinity only) '
                 'replace ``policies``; ``metadata`` is gone from the '
                 'views.'),
    Microversion('2.65', ABSENT, 'No change here: concerns live migration '
                 'abort, which this project lacks.'),
    Microversion('2.66', HERE, '``changes-before`` filter on servers and '
                 'instance actions.'),
    Microversion('2.67', ABSENT, 'No change here: concerns block device '
                 '``volume_type``; volumes are absent.'),
    Microversion('2.68', HERE, '``os-migrateLive`` schema: no ``force``; '
                 'live migration itself is absent.'),
    Microversion('2.69', HERE, 'Down cells: no change in what is shown; '
                 'the API cell keeps a full copy of every server, so no '
                 'minimal construct is ever needed.'),
    Microversion('2.70', ABSENT, 'No change here: concerns volume '
                 'attachments and interfaces, which this project lacks.'),
    Microversion('2.71', HERE, 'Server show, update and rebuild: '
                 '``server_groups`` (the uuids of the groups the server '
                 'is in).'),
    Microversion('2.72', ABSENT, 'No change here: concerns neutron ports '
                 'with resource requests, which this project lacks.'),
    Microversion('2.73', HERE, 'Lock: ``locked_reason`` in the body and '
                 'in the views; ``locked`` filter on servers.'),
    Microversion('2.74', HERE, 'Create: ``host`` and ``hypervisor_hostname`` '
                 '(administrators): refused with 400, a build cannot name '
                 'its host here.'),
    Microversion('2.75', HERE, 'Unknown query parameters are a 400; PUT '
                 'and rebuild answer the full server; flavor ``swap`` 0.'),
    Microversion('2.76', ABSENT, 'No change here: concerns the '
                 'power-update external event, which this project lacks.'),
    Microversion('2.77', HERE, 'Unshelve: ``availability_zone`` (409 '
                 'unless SHELVED_OFFLOADED, 400 for an unknown zone or one '
                 'other than the server\'s own: it comes back in its '
                 'cell).'),
    Microversion('2.78', HERE, '``GET /servers/{id}/topology``: no NUMA '
                 'here, so ``{"nodes": [], "pagesize_kb": null}``.',
                 routes_added=('server_topology',)),
    Microversion('2.79', ABSENT, 'No change here: concerns volume '
                 'attachments; volumes are absent.'),
    Microversion('2.80', HERE, '``os-migrations``: ``user_id`` and '
                 '``project_id`` of the request that started each '
                 'migration, shown and as filters.'),
    Microversion('2.81', ABSENT, 'No change here: concerns image '
                 'pre-caching on the hosts of an aggregate (``POST '
                 '/os-aggregates/{id}/images``), which the fake '
                 'hypervisors have no cache for: the route answers 404.'),
    Microversion('2.82', HERE, '``os-server-external-events``: the '
                 '``accelerator-request-bound`` event is accepted (400 '
                 'before); no server waits for one here, so it is only '
                 'logged.'),
    Microversion('2.83', HERE, 'Servers listing: non-administrators may '
                 'filter on ``availability_zone``, ``config_drive``, '
                 '``key_name``, ``created_at``, ``launched_at``, '
                 '``terminated_at``, ``power_state``, ``task_state``, '
                 '``vm_state``, ``progress`` and ``user_id`` (ignored '
                 'before); no server has a config drive here.'),
    Microversion('2.84', HERE, 'Instance action events: ``details``, why '
                 'a failed event failed (a Nova error\'s message, else its '
                 'class name), for every caller.'),
    Microversion('2.85', ABSENT, 'No change here: concerns updating a '
                 'volume attachment (``delete_on_termination``); volumes '
                 'are absent, so ``os-volume_attachments`` answers 404.'),
    Microversion('2.86', HERE, 'Flavor extra specs: a key Nova knows is '
                 'validated (its value\'s type, range or choices) and an '
                 'unknown key in a known namespace (``hw:``, ``quota:``, '
                 '``resources:``, ...) is refused, both with 400.'),
    Microversion('2.87', ABSENT, 'No change here: concerns rescuing '
                 'volume-backed servers (stable device rescue); no server '
                 'is volume-backed here, so rescue is the same at every '
                 'version.'),
    Microversion('2.88', HERE, 'Hypervisors: detail and show lose '
                 '``vcpus``, ``vcpus_used``, ``memory_mb``, '
                 '``memory_mb_used``, ``free_ram_mb``, ``local_gb``, '
                 '``local_gb_used``, ``free_disk_gb``, '
                 '``disk_available_least``, ``current_workload``, '
                 '``running_vms`` and ``cpu_info`` and gain ``uptime``; '
                 '``/os-hypervisors/statistics`` and '
                 '``/os-hypervisors/{id}/uptime`` answer 404.',
                 routes_removed=('os-hypervisors:statistics',
                                 'os-hypervisors:uptime')),
    Microversion('2.89', ABSENT, 'No change here: concerns volume '
                 'attachment ids; volumes are absent.'),
    Microversion('2.90', HERE, '``hostname`` on create, update and '
                 'rebuild (one DNS label, 2-63 characters; 400 with more '
                 'than one server); ``OS-EXT-SRV-ATTR:hostname`` shown to '
                 'every caller; it travels to the cell like the name.'),
    Microversion('2.91', HERE, 'Unshelve: ``availability_zone`` may be '
                 'null (unpinned; the server still comes back in its own '
                 'cell) and an administrator may name a ``host`` of the '
                 'server\'s cell (400 for another or unknown host or one '
                 'outside the zone named; 409 unless SHELVED_OFFLOADED); '
                 'the host travels to the cell (cells RPC 1.10) and its '
                 'scheduler still applies its filters.'),
    Microversion('2.92', HERE, 'Key pairs: ``public_key`` required (no '
                 'more generation: 400 without it); names may hold ``@`` '
                 'and ``.`` (400 before).'),
    Microversion('2.93', ABSENT, 'No change here: concerns rebuilding '
                 'volume-backed servers; no server is volume-backed here, '
                 'so rebuild is the same at every version.'),
    Microversion('2.94', HERE, '``hostname`` on create, update and '
                 'rebuild may be a fully qualified domain name (dotted '
                 'labels, at most 255 characters).'),
    Microversion('2.95', ABSENT, 'No change here: concerns evacuate '
                 '(the server left STOPPED), which this project lacks '
                 '(400 "There is no such action").'),
    Microversion('2.96', HERE, 'Server detail, show, update and rebuild: '
                 '``pinned_availability_zone``, the zone the create or an '
                 'unshelve named (null when none, or unpinned by an '
                 'unshelve to zone null); the API cell keeps it.'),
    Microversion('2.97', ABSENT, 'No change here: concerns shares '
                 '(``/servers/{id}/shares``); the file share service is '
                 'absent, so the route answers 404.'),
    Microversion('2.98', HERE, 'Server detail, show, update and rebuild: '
                 'the image embeds ``properties``, what the server was '
                 'built from (its ``image_*`` system metadata).'),
    Microversion('2.99', ABSENT, 'No change here: concerns the '
                 '``spice-direct`` console; remote consoles are absent '
                 '(404).'),
    Microversion('2.100', HERE, 'Server detail, show, update and rebuild: '
                 '``scheduler_hints``, those the create named (each value '
                 'a list; {} for none); kept with the server, and sent '
                 'again with a build whose request was lost.'),
    Microversion('2.101', ABSENT, 'No change here: concerns attaching '
                 'volumes asynchronously (202); volumes are absent, so '
                 '``os-volume_attachments`` answers 404.'),
)


MIN_VERSION = _HISTORY[0].parsed
MAX_VERSION = _HISTORY[-1].parsed


def history() -> tuple[Microversion, ...]:
    """Every microversion served, oldest first."""
    return _HISTORY


def _route_limits() -> dict[str, tuple[APIVersion | None,
                                       APIVersion | None]]:
    """controller (or controller:action) -> (first, last) version."""
    limits: dict[str, tuple[APIVersion | None, APIVersion | None]] = {}
    for entry in _HISTORY:
        for name in entry.routes_added:
            limits[name] = (entry.parsed, limits.get(name, (None, None))[1])
        for name in entry.routes_removed:
            last = APIVersion(entry.parsed.major, entry.parsed.minor - 1)
            limits[name] = (limits.get(name, (None, None))[0], last)
    return limits


_ROUTE_LIMITS = _route_limits()


def route_allowed(controller: str, action: str,
                  version: APIVersion) -> bool:
    """Whether a route exists at ``version`` (else it answers 404)."""
    for name in (f'{controller}:{action}', controller):
        first, last = _ROUTE_LIMITS.get(name, (None, None))
        if first is not None and version < first:
            return False
        if last is not None and version > last:
            return False
    return True


_T = TypeVar('_T')


def pick(version: APIVersion, choices: Sequence[tuple[str, _T]]) -> _T:
    """The value of the newest ``(since, value)`` of ``choices`` (oldest
    first) that ``version`` has reached: a schema or view by version."""
    chosen = choices[0][1]
    for since, value in choices:
        if version >= APIVersion.parse(since):
            chosen = value
    return chosen


def readme_table(width: int = 66) -> str:
    """The README's table of microversions (reStructuredText)."""
    rule = '=======  ' + '=' * width
    lines = [rule, 'Version  What changes here', rule]
    for entry in _HISTORY:
        text = textwrap.wrap(entry.change, width)
        lines.append(f'{entry.version:<7}  {text[0]}')
        lines += [' ' * 9 + more for more in text[1:]]
    lines.append(rule)
    return '\n'.join(lines) + '\n'


def _requested(headers: Mapping[str, str]) -> str | None:
    """The version string the client asked for, or None."""
    value = headers.get(HEADER)
    if value:
        # The header may name several services: "compute 2.1, image 2.5".
        for item in value.split(','):
            service, _sep, version = item.strip().partition(' ')
            if service.lower() == SERVICE_TYPE:
                return version.strip()
    legacy = headers.get(LEGACY_HEADER)
    return legacy.strip() if legacy else None


def negotiate(headers: Mapping[str, str]) -> APIVersion:
    """The microversion a request asks for, checked against the range.

    Raises :class:`errors.InvalidAPIVersionString` (400) for a malformed
    version and :class:`errors.UnsupportedAPIVersion` (406) for one outside
    the supported range.
    """
    text = _requested(headers)
    if text is None:
        return MIN_VERSION
    if text.lower() == 'latest':
        return MAX_VERSION
    version = APIVersion.parse(text)
    if not MIN_VERSION <= version <= MAX_VERSION:
        raise errors.UnsupportedAPIVersion(
            req_ver=str(version), min_ver=str(MIN_VERSION),
            max_ver=str(MAX_VERSION))
    return version


def response_headers(version: APIVersion) -> list[tuple[str, str]]:
    """Headers that echo the negotiated version on a response."""
    return [
        (HEADER, f'{SERVICE_TYPE} {version}'),
        (LEGACY_HEADER, str(version)),
        ('Vary', HEADER),
        ('Vary', LEGACY_HEADER),
    ]
