"""Versioned notifications (and the legacy ones) of instances, services
and cells, as Nova emits them.

:mod:`~nova.notifications.payloads` holds the versioned objects,
:mod:`~nova.notifications.notifier` sends them; the oslo.messaging
notifiers come from :class:`nova.rpc.NotifierFactory`, one per cell.
"""

from nova.notifications.notifier import DatabaseNotifier  # noqa: F401
from nova.notifications.notifier import Notifier  # noqa: F401
from nova.notifications.notifier import NotifierSource  # noqa: F401
