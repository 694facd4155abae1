"""Request context: who is asking, and for which project."""

from __future__ import annotations

from typing import Any

from oslo_context import context as oslo_context


class RequestContext(oslo_context.RequestContext):
    """The security context and request information of one request.

    ``read_deleted`` tells the database layer whether soft-deleted rows are
    visible: ``'no'`` (default), ``'yes'`` or ``'only'``.
    """

    def __init__(self, user_id: str | None = None,
                 project_id: str | None = None,
                 is_admin: bool | None = None,
                 read_deleted: str = 'no',
                 roles: list[str] | None = None,
                 **kwargs: Any) -> None:
        kwargs.setdefault('user_id', user_id)
        kwargs.setdefault('project_id', project_id)
        roles = list(roles or [])
        if is_admin is None:
            is_admin = 'admin' in roles
        super().__init__(is_admin=is_admin, roles=roles, **kwargs)
        if read_deleted not in ('no', 'yes', 'only'):
            raise ValueError('read_deleted must be no, yes or only, not %r'
                             % read_deleted)
        self.read_deleted = read_deleted

    def to_dict(self) -> dict[str, Any]:
        values = super().to_dict()
        values.update(user_id=self.user_id, project_id=self.project_id,
                      is_admin=self.is_admin,
                      read_deleted=self.read_deleted)
        return values

    def to_wire(self) -> dict[str, Any]:
        """What :meth:`from_dict` reads back, without empty fields: the
        context an inter-cell message carries on every hop.  ``to_dict``
        adds a dozen more fields (display names, the token, oslo.context's
        aliases) that no hop reads back."""
        values = {'user_id': self.user_id, 'project_id': self.project_id,
                  'is_admin': self.is_admin,
                  'read_deleted': self.read_deleted, 'roles': self.roles,
                  'request_id': self.request_id,
                  'global_request_id': self.global_request_id}
        return {k: v for k, v in values.items() if v is not None}

    @classmethod
    def from_dict(cls, values: dict[str, Any],
                  **kwargs: Any) -> RequestContext:
        kwargs.setdefault('user_id', values.get('user_id')
                          or values.get('user'))
        kwargs.setdefault('project_id', values.get('project_id')
                          or values.get('tenant'))
        kwargs.setdefault('is_admin', values.get('is_admin', False))
        kwargs.setdefault('read_deleted', values.get('read_deleted', 'no'))
        kwargs.setdefault('roles', values.get('roles') or [])
        kwargs.setdefault('request_id', values.get('request_id'))
        kwargs.setdefault('global_request_id',
                          values.get('global_request_id'))
        return cls(**kwargs)

    def elevated(self, read_deleted: str | None = None) -> RequestContext:
        """A copy of this context with admin rights."""
        ctxt = self.from_dict(self.to_dict())
        ctxt.is_admin = True
        if 'admin' not in ctxt.roles:
            ctxt.roles.append('admin')
        if read_deleted is not None:
            ctxt.read_deleted = read_deleted
        return ctxt


def get_admin_context(read_deleted: str = 'no') -> RequestContext:
    return RequestContext(user_id=None, project_id=None, is_admin=True,
                          read_deleted=read_deleted, overwrite=False)


def clear_current() -> None:
    """Forget this thread's current request context.

    oslo.context keeps the last context built on a thread as the thread's
    "current" one, and oslo.log stamps every line logged on that thread
    with its user and project.  A pooled worker that logs something of
    no request (a rejected message) would otherwise name whoever it
    served last.  oslo.context has no call to unset it; a blank context
    in its place carries no identity.
    """
    oslo_context.RequestContext(overwrite=False).update_store()
