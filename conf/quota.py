"""[quota] options: the default limits of every project.

Limits are kept by the API cell; child cells never check quotas.  A
project's own limits (``os-quota-sets``) override these defaults.
"""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

quota_group = cfg.OptGroup('quota', title='Quota options', help="""
Default per-project limits, checked by the API cell when servers are
booted or resized.
""")

_UNLIMITED = """
Possible values:

* A positive integer or 0.
* -1 disables the limit.
"""


def _limit(name: str, default: int, summary: str,
           enforced: bool = True) -> cfg.IntOpt:
    note = '' if enforced else """
Reported by ``GET /limits`` and ``os-quota-sets``; not enforced by this
deployment.
"""
    return cfg.IntOpt(name, default=default, min=-1,
                      help=summary + '\n' + note + _UNLIMITED)


quota_opts = [
    _limit('instances', 10, """
Number of servers a project may have.

Servers count from their creation until they are deleted, whatever their
state (a server whose build failed counts until it is deleted)."""),
    _limit('cores', 20, """
Number of vCPUs the servers of a project may have in total."""),
    _limit('ram', 51200, """
Megabytes of RAM the servers of a project may have in total."""),
    _limit('metadata_items', 128, """
Number of metadata items a server may have.""", enforced=False),
    _limit('injected_files', 5, """
Number of files that may be injected into a server.""", enforced=False),
    _limit('injected_file_content_bytes', 10240, """
Size in bytes of one injected file.""", enforced=False),
    _limit('injected_file_path_length', 255, """
Length of the path of one injected file.""", enforced=False),
    _limit('key_pairs', 100, """
Number of key pairs a user may have.""", enforced=False),
    _limit('security_groups', 10, """
Number of security groups a project may have (its ``default`` group
included)."""),
    _limit('security_group_rules', 20, """
Number of rules a security group may have."""),
    _limit('server_groups', 10, """
Number of server groups a project may have."""),
    _limit('server_group_members', 10, """
Number of servers a server group may hold.

Counted per group: its servers that are not deleted."""),
    cfg.BoolOpt('recheck_quota',
                default=True,
                deprecated_for_removal=True,
                deprecated_reason='A boot counts the usage and records '
                'its servers in one step under a per-project lock, so '
                'there is nothing left to check again.',
                help="""
Check the quota again once a boot has recorded its servers.

Has no effect: a boot's quota check and the creation of its servers are
one step that no other boot of the project interleaves with.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, quota_group, quota_opts)


def list_opts():
    return [(quota_group.name, quota_opts)]
