"""Options of the notifications the services emit (``[notifications]``).

Where notifications go, and whether any go at all, is oslo.messaging's
``[oslo_messaging_notifications]`` (``driver``, ``transport_url``,
``topics``): with its default driver (none, or ``noop``) nothing is sent.
"""

from oslo_config import cfg

from nova.conf._utils import register_group_opts

notifications_group = cfg.OptGroup('notifications', title='Notifications',
                                   help="""
Notifications of what happens to instances and services, sent on each
cell's own broker for billing, telemetry and audit tools.
""")

notification_opts = [
    cfg.StrOpt('notification_format',
               default='unversioned',
               choices=[
                   ('unversioned', 'only the legacy notifications, a plain '
                    'dictionary payload on the ``topics`` of '
                    '``[oslo_messaging_notifications]``'),
                   ('versioned', 'only the versioned notifications, a '
                    'versioned object payload on '
                    '``versioned_notifications_topics``'),
                   ('both', 'both kinds'),
               ],
               help="""
Which kind of notification the services emit.

The versioned kind carries a ``nova_object`` payload whose schema has a
name and a version (``InstanceActionPayload`` 1.7, ...), as Nova's; the
legacy kind carries a plain dictionary (``compute.instance.*`` event
types).  Nova's default, ``unversioned``, is kept: consumers that want the
versioned ones ask for them.

Possible values:

* ``unversioned``, ``versioned`` or ``both``.

Related options:

* ``[oslo_messaging_notifications] driver``: nothing is sent unless it
  names a driver (``messaging``, ``log``, ...).
* ``versioned_notifications_topics``
"""),
    cfg.ListOpt('versioned_notifications_topics',
                default=['versioned_notifications'],
                help="""
Topics the versioned notifications are sent to, each getting every
notification.

Possible values:

* A list of topic names; a consumer listens on ``TOPIC.info`` (and
  ``TOPIC.error`` for failures) on the cell's broker.

Related options:

* ``notification_format``: must be ``versioned`` or ``both``.
* ``[oslo_messaging_notifications] topics``: the topics of the legacy
  notifications.
"""),
    cfg.StrOpt('notify_on_state_change',
               choices=[
                   (None, 'no instance.update notifications'),
                   ('vm_state', 'an instance.update whenever the vm state '
                    'changes'),
                   ('vm_and_task_state', 'an instance.update whenever the '
                    'vm state or the task state changes'),
               ],
               help="""
Send an ``instance.update`` notification when an instance's state changes.

It is sent by the cell that owns the instance, with its old and new vm and
task states.

Possible values:

* Unset (the default): none.
* ``vm_state``: on every change of the vm state.
* ``vm_and_task_state``: on every change of the vm or the task state.

Related options:

* ``notification_format``
"""),
    cfg.StrOpt('default_level',
               default='INFO',
               choices=('DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL'),
               help="""
Priority of the notifications that report no failure.

A failure (``instance.*.error``) is always sent with the ERROR priority.

Possible values:

* ``DEBUG``, ``INFO``, ``WARN``, ``ERROR`` or ``CRITICAL``.
"""),
]


def register_opts(conf: cfg.ConfigOpts) -> None:
    register_group_opts(conf, notifications_group, notification_opts)


def list_opts():
    return [(notifications_group.name, notification_opts)]
