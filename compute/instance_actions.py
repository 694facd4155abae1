"""Instance actions: the names the API records, and how services record
the events of an action.

The API records an action per request (``reboot``, ``resize``, ...); each
service that works on it records an *event* (``compute_reboot_instance``)
with its start, finish and result.  In a child cell both go to the cell's
database, whose listener pushes them to the top, so the API cell shows the
whole story.

Example::

    with instance_actions.EventReporter(db, ctxt, 'compute_stop_instance',
                                        instance.uuid, host):
        driver.power_off(ctxt, instance)
"""

from __future__ import annotations

import traceback
import types
from typing import Any

from oslo_log import log as logging
from oslo_utils import timeutils

from nova import exception
from nova.context import RequestContext
from nova.db.api import Database

LOG = logging.getLogger(__name__)

CREATE = 'create'
DELETE = 'delete'
REBOOT = 'reboot'
STOP = 'stop'
START = 'start'
PAUSE = 'pause'
UNPAUSE = 'unpause'
SUSPEND = 'suspend'
RESUME = 'resume'
REBUILD = 'rebuild'
RESIZE = 'resize'
MIGRATE = 'migrate'
CONFIRM_RESIZE = 'confirmResize'
REVERT_RESIZE = 'revertResize'
CREATE_IMAGE = 'createImage'
LOCK = 'lock'
UNLOCK = 'unlock'
RESCUE = 'rescue'
CHANGE_PASSWORD = 'changePassword'
UNRESCUE = 'unrescue'
SHELVE = 'shelve'
SHELVE_OFFLOAD = 'shelveOffload'
UNSHELVE = 'unshelve'
RESTORE = 'restore'

SUCCESS = 'Success'
ERROR = 'Error'


def _now() -> Any:
    return timeutils.utcnow().replace(tzinfo=None)


def event_details(error: BaseException) -> str:
    """What a failed event tells every user (microversion 2.84): a Nova
    exception's message; for any other only its class name, which cannot
    leak what its text might hold (the traceback is for administrators).
    """
    if isinstance(error, exception.NovaException):
        return error.format_message()
    return error.__class__.__name__


class EventReporter:
    """Context manager recording one event of the current action.

    The event starts on entry and finishes on exit, ``Success`` or
    ``Error`` (with the traceback, and details any user may read: see
    :func:`event_details`); the exception is not swallowed.
    ``action`` names the action should none be recorded for the request
    (a rescheduled build, for example).  Recording problems are logged,
    never raised: they must not fail the work itself.
    """

    def __init__(self, db: Database, context: RequestContext, event: str,
                 instance_uuid: str, host: str | None,
                 action: str | None = None) -> None:
        self.db = db
        self.context = context
        self.event = event
        self.instance_uuid = instance_uuid
        self.host = host
        self.action = action
        self._held: dict[str, Any] | None = None

    def _record(self, **values: Any) -> None:
        try:
            # The finish updates the row the start wrote.
            self._held = self.db.action_event_record(self.context, dict(
                values, instance_uuid=self.instance_uuid, event=self.event,
                host=self.host, action=self.action), held=self._held)
        except Exception:
            LOG.warning('Cannot record event %s of instance %s', self.event,
                        self.instance_uuid, exc_info=True)

    def __enter__(self) -> EventReporter:
        self._record(start_time=_now())
        return self

    def __exit__(self, exc_type: type[BaseException] | None,
                 exc: BaseException | None,
                 tb: types.TracebackType | None) -> None:
        if exc is None:
            self._record(finish_time=_now(), result=SUCCESS)
            return
        self._record(finish_time=_now(), result=ERROR,
                     traceback=''.join(traceback.format_exception(exc)),
                     details=event_details(exc))
