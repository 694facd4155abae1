"""Inter-cell messages: targeted, broadcast and response.

A message travels hop by hop between the nova-cells services of
neighbouring cells.  Its ``routing_path`` names the cells it has visited
(``api!cell1!gc1``, the last one being the cell holding it now) and grows
one name per hop; ``hop_count`` stops loops at ``[cells] max_hop_count``.

* A **targeted** message goes to one cell path, up or down.  A target that
  is not reachable from here comes back to the sender as a
  :class:`~nova.exception.CellRoutingInconsistency`, never a hang.
* A **broadcast** goes to every child (down) or parent (up).  With
  ``need_response``, each hop waits for its next hops and passes back the
  combined answers; cells that do not answer in time are named in
  ``missing`` while every answer that arrived is kept.
* A **response** carries answers back.  Its final hop is a fanout in the
  waiting cell, so whichever of that cell's nova-cells workers is waiting
  gets it.

Messages cross the wire as JSON documents checked whole by
:mod:`nova.cells.message_checks` before any of it is used; a malformed one
is rejected with one logged error line (carrying no request context) and,
when the sender waits and the path allows, an error response.  A message
delivered twice is processed once.
"""

from __future__ import annotations

import collections
from collections.abc import Callable
import re
import threading
import time
from typing import Any
from typing import Protocol

from oslo_config import cfg
from oslo_log import log as logging
from oslo_messaging._drivers import common as driver_common
from oslo_serialization import jsonutils
from oslo_utils import uuidutils

from nova import cell_paths
from nova import context as nova_context
from nova import exception
from nova import rpc
from nova.cells import message_checks
from nova.cells import state as cells_state
from nova.context import RequestContext

LOG = logging.getLogger(__name__)

TARGETED = message_checks.TARGETED
BROADCAST = message_checks.BROADCAST
RESPONSE = message_checks.RESPONSE

_METHOD_NAME = re.compile(
    message_checks.SCHEMAS[TARGETED]['properties']['method_name']['pattern'])

# Share of its own wait a hop hands to the next one, so a partial answer
# from deep in the tree reaches the origin before the origin gives up.
_NEXT_HOP_WAIT_SHARE = 0.8


class Response:
    """One cell's answer: a value or a failure."""

    def __init__(self, cell_name: str, value: Any, failure: bool) -> None:
        self.cell_name = cell_name
        self.value = value
        self.failure = failure

    def value_or_raise(self) -> Any:
        if self.failure:
            raise self.value
        return self.value

    def to_primitive(self, serializer: Any) -> dict[str, Any]:
        if self.failure:
            value = driver_common.serialize_remote_exception(
                (type(self.value), self.value, self.value.__traceback__))
        else:
            value = serializer.serialize_entity(None, self.value)
        return {'cell_name': self.cell_name, 'value': value,
                'failure': self.failure}

    @classmethod
    def from_primitive(cls, data: dict[str, Any],
                       serializer: Any) -> Response:
        """Rebuild an answer (its shape checked by
        :mod:`~nova.cells.message_checks`); CellMessageInvalid if its
        value cannot be rebuilt."""
        try:
            if data['failure']:
                message_checks.check_remote_error(
                    jsonutils.loads(data['value']))
                value = driver_common.deserialize_remote_exception(
                    data['value'], exception.ALLOWED_REMOTE_EXMODS)
            else:
                value = serializer.deserialize_entity(None, data['value'])
        except exception.CellMessageInvalid:
            raise
        except Exception as error:
            raise exception.CellMessageInvalid(
                reason='bad answer from %s: %s' % (data['cell_name'],
                                                   error)) from error
        return cls(data['cell_name'], value, data['failure'])

    def __repr__(self) -> str:
        return '<Response from %s%s>' % (self.cell_name,
                                         ' (failure)' if self.failure
                                         else '')


class BroadcastResult:
    """Answers of a broadcast: every one that arrived, and who is missing.
    """

    def __init__(self, responses: list[Response],
                 missing: list[str]) -> None:
        self.responses = responses
        self.missing = missing

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.responses)

    def __len__(self) -> int:
        return len(self.responses)


class _Waiter:
    """Collects the responses one waiting hop expects."""

    def __init__(self, expected: list[str]) -> None:
        self.expected = set(expected)
        self.answers: dict[str, Any] = {}
        self.done = threading.Event()
        if not expected:
            self.done.set()

    def add(self, responder: str, payload: Any) -> None:
        if responder in self.answers:
            return
        self.answers[responder] = payload
        if self.expected <= set(self.answers) or '*' in self.expected:
            self.done.set()


class _BaseMessage:
    message_type = ''

    def __init__(self, runner: MessageRunner, ctxt: RequestContext,
                 method_name: str, method_kwargs: dict[str, Any],
                 direction: str, need_response: bool = False,
                 uuid: str | None = None, routing_path: str | None = None,
                 hop_count: int = 0, max_hop_count: int | None = None,
                 response_timeout: float | None = None,
                 wire: dict[str, Any] | None = None) -> None:
        """``wire``: the message as it was received, forwarded as it is
        (but for the fields a hop changes) rather than rebuilt."""
        self.runner = runner
        self.wire = wire
        self.ctxt = ctxt
        self.method_name = method_name
        self.method_kwargs = method_kwargs
        self.direction = direction
        self.need_response = need_response
        self.uuid = uuid or uuidutils.generate_uuid()
        self.routing_path = routing_path or runner.our_name
        self.hop_count = hop_count
        self.max_hop_count = max_hop_count or runner.max_hop_count
        self.response_timeout = response_timeout or runner.call_timeout

    @property
    def is_origin(self) -> bool:
        return self.hop_count == 0

    def process(self) -> Any:
        """Route the message one step: forward it, or run it here."""
        raise NotImplementedError

    def to_primitive(self) -> dict[str, Any]:
        return {
            'message_type': self.message_type,
            'ctxt': self.ctxt.to_wire(),
            'method_name': self.method_name,
            'method_kwargs': self.runner.serializer.serialize_entity(
                self.ctxt, self.method_kwargs),
            'direction': self.direction,
            'need_response': self.need_response,
            'uuid': self.uuid,
            'routing_path': self.routing_path,
            'hop_count': self.hop_count,
            'max_hop_count': self.max_hop_count,
            'response_timeout': self.response_timeout,
        }

    def _check_hop_count(self) -> None:
        if self.hop_count > self.max_hop_count:
            raise exception.CellMaxHopCountReached(hop_count=self.hop_count)

    def _forward(self, cell: Any, fanout: bool = False) -> None:
        data = (dict(self.wire) if self.wire is not None
                else self.to_primitive())
        data['routing_path'] = cell_paths.path_join(self.routing_path,
                                                    cell.name)
        data['hop_count'] = self.hop_count + 1
        data['response_timeout'] = (self.response_timeout
                                    * _NEXT_HOP_WAIT_SHARE)
        self.runner.driver.send_message_to_cell(cell, self.message_type,
                                                self.ctxt, data, fanout)

    def _process_locally(self) -> Response:
        """Run the method here; failures become failure responses."""
        our_path = self.routing_path
        try:
            handler = self.runner.handler_for(self.message_type,
                                              self.method_name)
            value = handler(self, **self.method_kwargs)
            return Response(our_path, value, False)
        except Exception as error:
            if not isinstance(error, exception.NovaException):
                LOG.exception('Error running %s from %s', self.method_name,
                              self.routing_path)
            return Response(our_path, error, True)

    def _respond(self, target_path: str, payload: Any,
                 response_kind: str) -> None:
        """Send ``payload`` back toward the cell waiting at the path end."""
        # A response retraces a known path, so it cannot loop: its hop
        # limit is that path's length, whatever limit the request had.
        reply = _ResponseMessage(
            self.runner, self.ctxt, self.method_name, {'payload': payload},
            'up' if self.direction == 'down' else 'down',
            uuid=self.uuid, target_cell=target_path,
            response_kind=response_kind,
            max_hop_count=target_path.count(cell_paths.PATH_CELL_SEP))
        reply.process()


# What a handler of nova.cells.methods receives first: the message that
# reached this cell, with its context and routing path.
Message = _BaseMessage


class _TargetedMessage(_BaseMessage):
    message_type = TARGETED

    def __init__(self, runner: MessageRunner, ctxt: RequestContext,
                 method_name: str, method_kwargs: dict[str, Any],
                 direction: str, target_cell: str, **kwargs: Any) -> None:
        super().__init__(runner, ctxt, method_name, method_kwargs,
                         direction, **kwargs)
        self.target_cell = target_cell

    def to_primitive(self) -> dict[str, Any]:
        data = super().to_primitive()
        data['target_cell'] = self.target_cell
        return data

    def _next_hop(self) -> Any:
        """The neighbour to forward to, or None when the target is here."""
        if self.target_cell == self.routing_path:
            return None
        here = self.routing_path.split(cell_paths.PATH_CELL_SEP)
        target = self.target_cell.split(cell_paths.PATH_CELL_SEP)
        if len(target) <= len(here) or target[:len(here)] != here:
            raise exception.CellRoutingInconsistency(
                reason='target cell %s is not reachable from %s'
                % (self.target_cell, self.routing_path))
        name = target[len(here)]
        state = self.runner.state
        cell = (state.get_child_cell(name) if self.direction == 'down'
                else state.get_parent_cell(name))
        if cell is None:
            raise exception.CellRoutingInconsistency(
                reason='%s has no %s cell named %s' % (
                    self.routing_path,
                    'child' if self.direction == 'down' else 'parent',
                    name))
        return cell

    def process(self) -> Response | None:
        waiter = None
        try:
            self._check_hop_count()
            next_hop = self._next_hop()
            if next_hop is None:
                response = self._process_locally()
                return self._answer(response)
            if self.is_origin and self.need_response:
                waiter = self.runner.add_waiter(self.uuid, ['*'])
            self._forward(next_hop)
        except Exception as error:
            if waiter is not None:
                self.runner.drop_waiter(self.uuid)
            LOG.warning('Cannot route %s to %s: %s', self.method_name,
                        self.target_cell, error)
            return self._answer(Response(self.routing_path, error, True))
        if waiter is None:
            return None
        answers = self.runner.wait(self.uuid, waiter,
                                   self.response_timeout)
        if not answers:
            raise exception.CellTimeout()
        return next(iter(answers.values()))

    def _answer(self, response: Response) -> Response | None:
        if not self.need_response:
            if response.failure and self.is_origin:
                raise response.value
            if response.failure:
                LOG.warning('%s from %s failed in %s: %s', self.method_name,
                            cell_paths.reverse_path(self.routing_path),
                            self.routing_path, response.value)
            return None
        if self.is_origin:
            return response
        self._respond(cell_paths.reverse_path(self.routing_path),
                      response.to_primitive(self.runner.serializer),
                      TARGETED)
        return None


class _BroadcastMessage(_BaseMessage):
    message_type = BROADCAST

    def __init__(self, runner: MessageRunner, ctxt: RequestContext,
                 method_name: str, method_kwargs: dict[str, Any],
                 direction: str, run_locally: bool = True,
                 skip_mute: bool = False, **kwargs: Any) -> None:
        super().__init__(runner, ctxt, method_name, method_kwargs,
                         direction, **kwargs)
        self.run_locally = run_locally
        # Children known to be mute (silent for mute_child_interval) are
        # not asked nor waited for: they are named missing at once.
        self.skip_mute = skip_mute

    def to_primitive(self) -> dict[str, Any]:
        data = super().to_primitive()
        data['run_locally'] = self.run_locally
        if self.skip_mute:
            data['skip_mute'] = True
        return data

    def _next_hops(self) -> tuple[list[Any], list[str]]:
        """The neighbours to send to, and the paths of the mute children
        left out."""
        state = self.runner.state
        if self.direction == 'up':
            return state.get_parent_cells(), []
        children = state.get_child_cells()
        if not self.skip_mute:
            return children, []
        mute = [c for c in children if state.is_known_mute(c)]
        return ([c for c in children if c not in mute],
                [self._path_of(c.name) for c in mute])

    def process(self) -> BroadcastResult | None:
        try:
            self._check_hop_count()
        except exception.CellMaxHopCountReached as error:
            LOG.warning('Dropping broadcast %s: %s', self.method_name, error)
            if self.need_response and not self.is_origin:
                self._reply([Response(self.routing_path, error, True)], [])
            return None
        next_hops, mute = self._next_hops()
        waiter = None
        if self.need_response and next_hops:
            waiter = self.runner.add_waiter(
                self.uuid, [c.name for c in next_hops])
        unreachable = []
        for cell in next_hops:
            try:
                self._forward(cell)
            except Exception:
                LOG.warning('Cannot forward %s to %s', self.method_name,
                            cell.name, exc_info=True)
                unreachable.append(cell.name)
        responses = []
        if self.run_locally or not self.is_origin:
            responses.append(self._process_locally())
        if not self.need_response:
            return None
        missing = list(mute)
        if waiter is not None:
            answers = self.runner.wait(self.uuid, waiter,
                                       self.response_timeout)
            for cell in next_hops:
                payload = answers.get(cell.name)
                if payload is None:
                    missing.append(self._path_of(cell.name))
                    continue
                # Rebuilt when the response message was received.
                responses.extend(payload['responses'])
                missing.extend(payload['missing'])
        if self.is_origin:
            return BroadcastResult(responses, missing)
        self._reply(responses, missing)
        return None

    def _path_of(self, neighbour: str) -> str:
        path = cell_paths.path_join(self.routing_path, neighbour)
        return path if self.direction == 'down' else \
            cell_paths.reverse_path(path)

    def _reply(self, responses: list[Response], missing: list[str]) -> None:
        previous = self.routing_path.split(cell_paths.PATH_CELL_SEP)[-2]
        self._respond(
            cell_paths.path_join(self.runner.our_name, previous),
            {'responses': [r.to_primitive(self.runner.serializer)
                           for r in responses],
             'missing': missing}, BROADCAST)


class _ResponseMessage(_TargetedMessage):
    message_type = RESPONSE

    def __init__(self, runner: MessageRunner, ctxt: RequestContext,
                 method_name: str, method_kwargs: dict[str, Any],
                 direction: str, target_cell: str,
                 response_kind: str = TARGETED, **kwargs: Any) -> None:
        super().__init__(runner, ctxt, method_name, method_kwargs,
                         direction, target_cell, **kwargs)
        self.response_kind = response_kind
        # The answers rebuilt, once this is at its destination.
        self.answers: Any = None

    def rebuild_answers(self) -> None:
        """Rebuild the payload's answers as :class:`Response` objects;
        CellMessageInvalid if one cannot be."""
        payload = self.method_kwargs['payload']
        serializer = self.runner.serializer
        if self.response_kind == TARGETED:
            self.answers = Response.from_primitive(payload, serializer)
        else:
            self.answers = {
                'responses': [Response.from_primitive(r, serializer)
                              for r in payload['responses']],
                'missing': list(payload['missing'])}

    def to_primitive(self) -> dict[str, Any]:
        data = super().to_primitive()
        # The payload is already primitive; do not serialize it twice.
        data['method_kwargs'] = self.method_kwargs
        data['response_kind'] = self.response_kind
        return data

    def process(self) -> None:  # type: ignore[override]
        try:
            self._check_hop_count()
            next_hop = self._next_hop()
        except Exception as error:
            LOG.warning('Dropping response to %s for %s: %s',
                        self.target_cell, self.method_name, error)
            return
        if next_hop is None:
            responder = self.routing_path.split(
                cell_paths.PATH_CELL_SEP)[0]
            if self.answers is None:
                # Built here, not received: its answers are our own.
                self.rebuild_answers()
            self.runner.deliver(self.uuid, responder, self.answers)
            return
        final = self.target_cell == cell_paths.path_join(
            self.routing_path, next_hop.name)
        self._forward(next_hop, fanout=final)


# Targeted casts whose method may wait: the cells scheduler sleeps
# between its retries while no cell below has room for a build.
_METHODS_THAT_MAY_WAIT = frozenset(['build_instances',
                                    'build_instances_failed'])


def _runs_here(data: dict[str, Any]) -> bool:
    """Whether the cell receiving ``data`` runs its method (and needs its
    arguments as objects): a response never does, a targeted message
    only at its target.  The others pass the arguments on untouched."""
    if data['message_type'] == RESPONSE:
        return False
    if data['message_type'] == TARGETED:
        return bool(data['target_cell'] == data['routing_path'])
    return True


_MESSAGE_CLASSES = {TARGETED: _TargetedMessage,
                    BROADCAST: _BroadcastMessage,
                    RESPONSE: _ResponseMessage}


class CellSender(Protocol):
    """How a message leaves for a neighbour cell
    (:class:`nova.cells.rpc_driver.CellsRPCDriver` on a broker)."""

    def send_message_to_cell(self, cell: cells_state.CellState,
                             message_type: str, ctxt: RequestContext,
                             data: dict[str, Any], fanout: bool) -> None: ...


class MessageRunner:
    """Creates, routes and answers the messages of one cell.

    ``handlers`` maps a message type to an object whose public methods
    are the messages it accepts (see :mod:`nova.cells.methods`); more
    come with :meth:`add_handlers`.
    """

    def __init__(self, conf: cfg.ConfigOpts,
                 state: cells_state.CellStateManager,
                 driver: CellSender,
                 handlers: dict[str, Any] | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.conf = conf
        self.state = state
        self.driver = driver
        self.handlers: dict[str, list[Any]] = {}
        for message_type, handler_obj in (handlers or {}).items():
            self.add_handlers(message_type, handler_obj)
        self.clock = clock
        self.serializer = rpc.get_serializer()
        self.our_name = conf.cells.name
        self.max_hop_count = conf.cells.max_hop_count
        self.call_timeout = float(conf.cells.call_timeout)
        self._lock = threading.Lock()
        self._waiters: dict[str, _Waiter] = {}
        self._expired: collections.OrderedDict[str, None] = \
            collections.OrderedDict()
        self._seen: collections.OrderedDict[tuple[str, str, str], None] = \
            collections.OrderedDict()
        self.late_replies = 0
        self.duplicates_dropped = 0
        self.rejected = 0

    # -- handlers -------------------------------------------------------

    def add_handlers(self, message_type: str, *handler_objs: Any) -> None:
        """Accept the public methods of ``handler_objs`` as messages of
        ``message_type``; the first object with the method answers."""
        self.handlers.setdefault(message_type, []).extend(handler_objs)

    def handler_for(self, message_type: str, method_name: str) -> Any:
        if not method_name.startswith('_'):
            for handler_obj in self.handlers.get(message_type, ()):
                func = getattr(handler_obj, method_name, None)
                if callable(func):
                    return func
        raise exception.CellMessageInvalid(
            reason='unknown %s method %s' % (message_type, method_name))

    # -- waiting for responses ------------------------------------------

    def add_waiter(self, uuid: str, expected: list[str]) -> _Waiter:
        waiter = _Waiter(expected)
        with self._lock:
            self._waiters[uuid] = waiter
        return waiter

    def drop_waiter(self, uuid: str) -> None:
        with self._lock:
            self._waiters.pop(uuid, None)

    def wait(self, uuid: str, waiter: _Waiter,
             timeout: float) -> dict[str, Any]:
        waiter.done.wait(timeout)
        with self._lock:
            self._waiters.pop(uuid, None)
            if not waiter.done.is_set():
                self._expired[uuid] = None
                while len(self._expired) > 10000:
                    self._expired.popitem(last=False)
            return dict(waiter.answers)

    def deliver(self, uuid: str, responder: str, answers: Any) -> None:
        """Hand rebuilt answers to the worker waiting for them."""
        with self._lock:
            waiter = self._waiters.get(uuid)
            if waiter is None:
                if uuid in self._expired:
                    self.late_replies += 1
                    LOG.warning('Late response from %s to message %s, '
                                'after its sender stopped waiting '
                                '(%d late so far)', responder, uuid,
                                self.late_replies)
                else:
                    # Responses fan out to every worker of this cell;
                    # the one that is waiting keeps it.
                    LOG.debug('Response %s is for another worker', uuid)
                return
            waiter.add(responder, answers)

    # -- incoming -------------------------------------------------------

    def message_from_primitive(self, data: Any) -> _BaseMessage:
        """Check and rebuild a message received from a neighbour.

        Raises CellMessageInvalid, before anything runs, unless every
        part of the message that will be used is sound.
        """
        message_checks.check(data, self.our_name)
        try:
            ctxt = nova_context.RequestContext.from_dict(data['ctxt'])
        except (TypeError, ValueError) as error:
            raise exception.CellMessageInvalid(
                reason='bad context: %s' % error) from error
        kwargs = data['method_kwargs']
        if _runs_here(data):
            try:
                kwargs = self.serializer.deserialize_entity(ctxt, kwargs)
            except Exception as error:
                raise exception.CellMessageInvalid(
                    reason='bad arguments: %s' % error) from error
        kind = data['message_type']
        extra: dict[str, Any] = {}
        if 'target_cell' in data:
            extra['target_cell'] = data['target_cell']
        if kind == BROADCAST:
            extra['run_locally'] = data.get('run_locally', True)
            extra['skip_mute'] = data.get('skip_mute', False)
        if kind == RESPONSE:
            extra['response_kind'] = data['response_kind']
        message = _MESSAGE_CLASSES[kind](
            self, ctxt, data['method_name'], kwargs, data['direction'],
            need_response=data['need_response'], uuid=data['uuid'],
            routing_path=data['routing_path'], hop_count=data['hop_count'],
            max_hop_count=data['max_hop_count'],
            response_timeout=data.get('response_timeout'), wire=data,
            **extra)
        if (isinstance(message, _ResponseMessage)
                and data['target_cell'] == data['routing_path']):
            # Delivered here: a caller gets answers that are whole.
            message.rebuild_answers()
        return message

    def _first_time(self, message: _BaseMessage) -> bool:
        key = (message.message_type, message.uuid, message.routing_path)
        with self._lock:
            if key in self._seen:
                self.duplicates_dropped += 1
                return False
            self._seen[key] = None
            while len(self._seen) > 20000:
                self._seen.popitem(last=False)
        return True

    @staticmethod
    def may_take_long(data: Any) -> bool:
        """Whether a message received as ``data`` runs its method in this
        cell and may take long doing it: a call (its method may wait for
        a compute host), a broadcast (a heal walks every instance) or a
        build (the scheduler may wait for room).  False for a message
        only passing on, a response, any other targeted cast (a row
        written, a cast to a host) and one too malformed to tell
        (:meth:`process_incoming` rejects it at once)."""
        try:
            return _runs_here(data) and bool(
                data['need_response'] or data['message_type'] == BROADCAST
                or data['method_name'] in _METHODS_THAT_MAY_WAIT)
        except (TypeError, KeyError):
            return False

    def process_incoming(self, data: Any) -> None:
        """Entry point for a message received from a neighbour cell."""
        try:
            message = self.message_from_primitive(data)
        except exception.CellMessageInvalid as error:
            self.rejected += 1
            # This worker thread's current context is whatever request
            # it served last: the rejection belongs to none of them.
            nova_context.clear_current()
            LOG.error('Rejected inter-cell message: %s', error)
            self._answer_invalid(data, error)
            return
        if not self._first_time(message):
            LOG.info('Dropped duplicate %s message %s', message.message_type,
                     message.uuid)
            return
        message.process()

    def _answer_invalid(self, data: Any, error: Exception) -> None:
        """Tell a waiting sender its message was rejected, when the
        message says, soundly, who waits and how to get there.

        Quiet but for debug lines: the rejection was logged once.
        """
        if not isinstance(data, dict) or data.get('need_response') is not True:
            return
        kind = data.get('message_type')
        path = data.get('routing_path')
        hops = data.get('hop_count')
        uuid = data.get('uuid')
        if (kind not in (TARGETED, BROADCAST) or not isinstance(path, str)
                or not isinstance(uuid, str) or not uuid
                or type(hops) is not int or hops < 1
                or data.get('direction') not in ('up', 'down')):
            return
        names = path.split(cell_paths.PATH_CELL_SEP)
        if len(names) != hops + 1 or names[-1] != self.our_name \
                or not all(names):
            return
        direction = 'up' if data['direction'] == 'down' else 'down'
        failure = Response(path, error, True).to_primitive(self.serializer)
        if kind == TARGETED:
            payload: Any = failure
            target = cell_paths.reverse_path(path)
        else:
            payload = {'responses': [failure], 'missing': []}
            target = cell_paths.path_join(names[-1], names[-2])
        # The rejected message's context is not to be trusted: answer
        # with a blank one.
        ctxt = nova_context.RequestContext(overwrite=False)
        method = data.get('method_name')
        if not isinstance(method, str) or not _METHOD_NAME.match(method):
            # Only named in logs; the answer must itself be valid.
            method = 'unknown'
        try:
            _ResponseMessage(self, ctxt, method,
                             {'payload': payload}, direction, uuid=uuid,
                             target_cell=target, response_kind=kind
                             ).process()
        except Exception:
            LOG.debug('Cannot answer a rejected message', exc_info=True)

    # -- outgoing -------------------------------------------------------

    def targeted(self, ctxt: RequestContext, target_cell: str,
                 method_name: str, method_kwargs: dict[str, Any],
                 direction: str = 'down', need_response: bool = False,
                 timeout: float | None = None) -> Response | None:
        message = _TargetedMessage(self, ctxt, method_name, method_kwargs,
                                   direction, target_cell,
                                   need_response=need_response,
                                   response_timeout=timeout)
        return message.process()

    def broadcast(self, ctxt: RequestContext, method_name: str,
                  method_kwargs: dict[str, Any], direction: str,
                  run_locally: bool = True, need_response: bool = False,
                  timeout: float | None = None,
                  skip_mute: bool = False) -> BroadcastResult | None:
        """Send to every cell in ``direction``; with ``need_response``,
        the answers that arrived within ``timeout`` (``call_timeout``)
        and the paths of the cells that gave none.  ``skip_mute``: no
        cell asks (or waits for) a child it knows to be mute; those are
        named missing at once."""
        message = _BroadcastMessage(self, ctxt, method_name, method_kwargs,
                                    direction, run_locally=run_locally,
                                    need_response=need_response,
                                    response_timeout=timeout,
                                    skip_mute=skip_mute)
        return message.process()


__all__ = ['MessageRunner', 'Response', 'BroadcastResult', 'TARGETED',
           'BROADCAST', 'RESPONSE']
