"""Default policy rules of server actions, metadata, instance actions,
flavor management and key pairs.

The names and defaults are Nova's, so that an operator's existing policy
file keeps its meaning:

* server actions and metadata: the owning project or an administrator;
  unlocking a server an administrator locked needs ``unlock_override``
  (administrators only);
* instance action events (with their tracebacks): administrators only;
* creating and deleting flavors and changing their extra specs:
  administrators only; reading extra specs: anyone in a project;
* key pairs: their user, or an administrator;
* server groups: the owning project or an administrator; listing every
  project's groups: administrators only.

:mod:`nova.api.policy` registers these with the rest.
"""

from __future__ import annotations

from oslo_policy import policy as oslo_policy

SERVERS = 'os_compute_api:servers:%s'
PAUSE = 'os_compute_api:os-pause-server:%s'
SUSPEND = 'os_compute_api:os-suspend-server:%s'
LOCK = 'os_compute_api:os-lock-server:%s'
SHELVE = 'os_compute_api:os-shelve:%s'
RESCUE = 'os_compute_api:os-rescue'
UNRESCUE = 'os_compute_api:os-unrescue'
CONSOLE_OUTPUT = 'os_compute_api:os-console-output'
FORCE_DELETE = 'os_compute_api:os-deferred-delete:force'
CREATE_BACKUP = 'os_compute_api:os-create-backup'
ADMIN_PASSWORD = 'os_compute_api:os-admin-password'
RESTORE = 'os_compute_api:os-deferred-delete:restore'
METADATA = 'os_compute_api:server-metadata:%s'
INSTANCE_ACTIONS = 'os_compute_api:os-instance-actions:%s'
FLAVOR_MANAGE = 'os_compute_api:os-flavor-manage:%s'
EXTRA_SPECS = 'os_compute_api:os-flavor-extra-specs:%s'
KEYPAIRS = 'os_compute_api:os-keypairs:%s'
SERVER_GROUPS = 'os_compute_api:os-server-groups:%s'

ADMIN_OR_OWNER = 'rule:admin_or_owner'
ADMIN = 'rule:admin_api'
ADMIN_OR_USER = 'rule:admin_api or user_id:%(user_id)s'

_ACTION_PATH = '/servers/{server_id}/action (%s)'


def _rule(name: str, check: str, description: str,
          *operations: tuple[str, str]) -> oslo_policy.DocumentedRuleDefault:
    return oslo_policy.DocumentedRuleDefault(
        name=name, check_str=check, description=description,
        operations=[{'method': method, 'path': path}
                    for method, path in operations])


def _action(name: str, action: str, description: str,
            check: str = ADMIN_OR_OWNER
            ) -> oslo_policy.DocumentedRuleDefault:
    return _rule(name, check, description, ('POST', _ACTION_PATH % action))


_SERVER_ACTIONS = [
    _action(SERVERS % 'reboot', 'reboot', 'Reboot a server.'),
    _action(SERVERS % 'rebuild', 'rebuild', 'Rebuild a server.'),
    _action(SERVERS % 'resize', 'resize', 'Resize a server.'),
    _action(SERVERS % 'confirm_resize', 'confirmResize',
            'Confirm the resize of a server.'),
    _action(SERVERS % 'revert_resize', 'revertResize',
            'Revert the resize of a server.'),
    _action(SERVERS % 'create_image', 'createImage',
            'Create an image from a server.'),
    _action(SERVERS % 'start', 'os-start', 'Start a server.'),
    _action(SERVERS % 'stop', 'os-stop', 'Stop a server.'),
    _rule(SERVERS % 'update', ADMIN_OR_OWNER, 'Rename a server.',
          ('PUT', '/servers/{server_id}')),
    _action(PAUSE % 'pause', 'pause', 'Pause a server.'),
    _action(PAUSE % 'unpause', 'unpause', 'Unpause a paused server.'),
    _action(SUSPEND % 'suspend', 'suspend', 'Suspend a server.'),
    _action(SUSPEND % 'resume', 'resume', 'Resume a suspended server.'),
    _action(LOCK % 'lock', 'lock', 'Lock a server.'),
    _action(LOCK % 'unlock', 'unlock', 'Unlock a server.'),
    # Checked after os-lock-server:unlock, when the caller is not of the
    # kind (owner or administrator) that locked the server.
    _action(LOCK % 'unlock:unlock_override', 'unlock',
            'Unlock a server that an administrator locked.', check=ADMIN),
    _action(RESCUE, 'rescue', 'Rescue a server.'),
    _action(UNRESCUE, 'unrescue', 'Unrescue a server.'),
    _action(SHELVE % 'shelve', 'shelve', 'Shelve a server.'),
    _action(SHELVE % 'unshelve', 'unshelve', 'Unshelve a server.'),
    _action(SHELVE % 'unshelve_to_host', 'unshelve',
            'Unshelve a server onto a host it names (microversion 2.91).',
            check=ADMIN),
    _action(CONSOLE_OUTPUT, 'os-getConsoleOutput',
            'Show the console output of a server.'),
    _action(FORCE_DELETE, 'forceDelete', 'Delete a server at once.'),
    _action(ADMIN_PASSWORD, 'changePassword',
            "Change a server's administrator password."),
    _action(CREATE_BACKUP, 'createBackup',
            'Back a server up into an image, keeping a number of them.'),
    _action(RESTORE, 'restore', 'Restore a soft-deleted server.'),
]

_META = '/servers/{server_id}/metadata'
_META_KEY = _META + '/{key}'
_METADATA = [
    _rule(METADATA % 'index', ADMIN_OR_OWNER,
          'List the metadata of a server.', ('GET', _META)),
    _rule(METADATA % 'show', ADMIN_OR_OWNER,
          'Show one metadata item of a server.', ('GET', _META_KEY)),
    _rule(METADATA % 'create', ADMIN_OR_OWNER,
          'Add or change metadata items of a server.', ('POST', _META)),
    _rule(METADATA % 'update_all', ADMIN_OR_OWNER,
          'Replace all the metadata of a server.', ('PUT', _META)),
    _rule(METADATA % 'update', ADMIN_OR_OWNER,
          'Set one metadata item of a server.', ('PUT', _META_KEY)),
    _rule(METADATA % 'delete', ADMIN_OR_OWNER,
          'Delete one metadata item of a server.', ('DELETE', _META_KEY)),
]

_ACTIONS = '/servers/{server_id}/os-instance-actions'
_INSTANCE_ACTIONS = [
    _rule(INSTANCE_ACTIONS % 'list', ADMIN_OR_OWNER,
          'List the actions recorded for a server.', ('GET', _ACTIONS)),
    _rule(INSTANCE_ACTIONS % 'show', ADMIN_OR_OWNER,
          'Show one action recorded for a server.',
          ('GET', _ACTIONS + '/{request_id}')),
    _rule(INSTANCE_ACTIONS % 'events', ADMIN,
          'Show the events of an action, with their tracebacks.',
          ('GET', _ACTIONS + '/{request_id}')),
]

_SPECS = '/flavors/{flavor_id}/os-extra_specs'
_SPEC = _SPECS + '/{key}'
_FLAVORS = [
    _rule(FLAVOR_MANAGE % 'create', ADMIN, 'Create a flavor.',
          ('POST', '/flavors')),
    _rule(FLAVOR_MANAGE % 'delete', ADMIN, 'Delete a flavor.',
          ('DELETE', '/flavors/{flavor_id}')),
    _rule(EXTRA_SPECS % 'index', ADMIN_OR_OWNER,
          'List the extra specs of a flavor.', ('GET', _SPECS)),
    _rule(EXTRA_SPECS % 'show', ADMIN_OR_OWNER,
          'Show one extra spec of a flavor.', ('GET', _SPEC)),
    _rule(EXTRA_SPECS % 'create', ADMIN,
          'Add or change extra specs of a flavor.', ('POST', _SPECS)),
    _rule(EXTRA_SPECS % 'update', ADMIN,
          'Set one extra spec of a flavor.', ('PUT', _SPEC)),
    _rule(EXTRA_SPECS % 'delete', ADMIN,
          'Delete one extra spec of a flavor.', ('DELETE', _SPEC)),
]

_KEYPAIRS = [
    _rule(KEYPAIRS % 'index', ADMIN_OR_USER, 'List the key pairs of a user.',
          ('GET', '/os-keypairs')),
    _rule(KEYPAIRS % 'create', ADMIN_OR_USER,
          'Create or import a key pair.', ('POST', '/os-keypairs')),
    _rule(KEYPAIRS % 'show', ADMIN_OR_USER, 'Show a key pair.',
          ('GET', '/os-keypairs/{keypair_name}')),
    _rule(KEYPAIRS % 'delete', ADMIN_OR_USER, 'Delete a key pair.',
          ('DELETE', '/os-keypairs/{keypair_name}')),
]

_GROUPS = '/os-server-groups'
_GROUP = _GROUPS + '/{server_group_id}'
_SERVER_GROUPS = [
    _rule(SERVER_GROUPS % 'create', ADMIN_OR_OWNER,
          'Create a server group.', ('POST', _GROUPS)),
    _rule(SERVER_GROUPS % 'delete', ADMIN_OR_OWNER,
          'Delete a server group.', ('DELETE', _GROUP)),
    _rule(SERVER_GROUPS % 'index', ADMIN_OR_OWNER,
          'List the server groups of the project.', ('GET', _GROUPS)),
    _rule(SERVER_GROUPS % 'index:all_projects', ADMIN,
          'List the server groups of every project.', ('GET', _GROUPS)),
    _rule(SERVER_GROUPS % 'show', ADMIN_OR_OWNER, 'Show a server group.',
          ('GET', _GROUP)),
]


SERVER_TAGS = 'os_compute_api:os-server-tags:%s'
TOPOLOGY = 'compute:server:topology:%s'
_TAGS = '/servers/{server_id}/tags'
_TAG = _TAGS + '/{tag}'
# Rules of what later microversions added.
_MICROVERSIONS = [
    _action(SERVERS % 'trigger_crash_dump', 'trigger_crash_dump',
            'Trigger a crash dump in a server (2.17).'),
    _rule(SERVER_TAGS % 'index', ADMIN_OR_OWNER,
          'List the tags of a server (2.26).', ('GET', _TAGS)),
    _rule(SERVER_TAGS % 'show', ADMIN_OR_OWNER,
          'Check a tag of a server (2.26).', ('GET', _TAG)),
    _rule(SERVER_TAGS % 'update_all', ADMIN_OR_OWNER,
          'Replace the tags of a server (2.26).', ('PUT', _TAGS)),
    _rule(SERVER_TAGS % 'update', ADMIN_OR_OWNER,
          'Add a tag to a server (2.26).', ('PUT', _TAG)),
    _rule(SERVER_TAGS % 'delete_all', ADMIN_OR_OWNER,
          'Remove every tag of a server (2.26).', ('DELETE', _TAGS)),
    _rule(SERVER_TAGS % 'delete', ADMIN_OR_OWNER,
          'Remove a tag of a server (2.26).', ('DELETE', _TAG)),
    _rule(FLAVOR_MANAGE % 'update', ADMIN,
          'Change the description of a flavor (2.55).',
          ('PUT', '/flavors/{flavor_id}')),
    _rule(TOPOLOGY % 'index', ADMIN_OR_OWNER,
          'Show the NUMA topology of a server (2.78).',
          ('GET', '/servers/{server_id}/topology')),
    _rule(TOPOLOGY % 'host:index', ADMIN,
          'Show the host NUMA ids of a server\'s topology (2.78).',
          ('GET', '/servers/{server_id}/topology')),
]


def list_rules() -> list[oslo_policy.RuleDefault]:
    """The defaults of this module, in the order the sample shows them."""
    return [*_SERVER_ACTIONS, *_METADATA, *_INSTANCE_ACTIONS, *_FLAVORS,
            *_KEYPAIRS, *_SERVER_GROUPS, *_MICROVERSIONS]
