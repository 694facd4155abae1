"""Every exception the project raises on purpose.

Hierarchy::

    NovaException (500)
    +-- Invalid (400)
    |   +-- InvalidInput, ValidationError, InvalidCellConfig,
    |   |   InvalidImageRef, InvalidRequestBody, CellMessageInvalid,
    |   |   InvalidKeypair, CannotResizeToSameFlavor, CannotResizeDisk,
    |   |   ImageNotActive, FlavorMemoryTooSmall, FlavorDiskTooSmall,
    |   |   InvalidQuotaValue, QuotaValueTooHigh,
    |   |   SecurityGroupExistsForInstance,
    |   |   SecurityGroupNotExistsForInstance, SecurityGroupExists,
    |   |   SecurityGroupRuleExists, SecurityGroupInUse,
    |   |   SecurityGroupSystem, InvalidCidr, InvalidIpProtocol,
    |   |   InvalidPortRange, MigrationPreCheckError,
    |   |   InvalidAggregateAction (Add, Delete, Update, UpdateMeta),
    |   |   AvailabilityZoneNotAvailable
    +-- Forbidden (403)
    |   +-- PolicyNotAuthorized, QuotaError: TooManyInstances,
    |       SecurityGroupLimitExceeded, ServerGroupQuotaExceeded,
    |       CellsUpdateUnsupported
    +-- NotFound (404)
    |   +-- InstanceNotFound, FlavorNotFound, CellNotFound, ServiceNotFound,
    |       ComputeHostNotFound, ImageNotFound, KeypairNotFound,
    |       InstanceActionNotFound, InstanceMetadataNotFound,
    |       FlavorExtraSpecsNotFound, MigrationNotFoundByStatus,
    |       MigrationNotFoundForInstance,
    |       FlavorAccessNotFound, SecurityGroupNotFound (ForProject,
    |       ForRule), SecurityGroupDefaultRuleNotFound,
    |       InstanceGroupNotFound, InstanceUnknownCell,
    |       HostBinaryNotFound, AggregateNotFound, AggregateHostNotFound
    +-- Conflict (409)
    |   +-- InstanceInvalidState, InstanceIsLocked, InstanceNotReady,
    |       CellExists, KeyPairExists, FlavorExists, FlavorIdExists,
    |       FlavorAccessExists, AggregateNameExists, AggregateHostExists,
    |       CidrConflict
    +-- NoValidHost, NoCellsAvailable, CellBuildFailed,
    |   GroupPolicyViolation
    +-- CellRoutingInconsistency, CellMaxHopCountReached, CellTimeout
    +-- ServiceUnavailable (503), NotSupported (501)

Exceptions raised in another cell or service come back as the same class
when their module is in ``ALLOWED_REMOTE_EXMODS``.
"""

from __future__ import annotations

from typing import Any

ALLOWED_REMOTE_EXMODS = ['nova.exception']


class NovaException(Exception):
    """Base exception: ``msg_fmt`` is formatted with the keyword arguments."""

    msg_fmt = 'An unknown exception occurred.'
    code = 500

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        self.kwargs = kwargs
        self.kwargs.setdefault('code', self.code)
        if not message:
            try:
                message = self.msg_fmt % kwargs
            except (KeyError, TypeError, ValueError):
                # A caller forgot an argument: keep the template rather
                # than lose the original error behind a formatting one.
                message = self.msg_fmt
        self.message = message
        super().__init__(message)

    def format_message(self) -> str:
        return self.args[0] if self.args else self.message


class Invalid(NovaException):
    msg_fmt = 'Bad request: %(reason)s'
    code = 400


class InvalidInput(Invalid):
    msg_fmt = 'Invalid input received: %(reason)s'


class ValidationError(Invalid):
    msg_fmt = '%(detail)s'


class UnsupportedRescueDevice(Invalid):
    msg_fmt = 'Requested rescue device %(device)r is not supported'


class UnsupportedRescueBus(Invalid):
    msg_fmt = 'Requested rescue bus %(bus)r is not supported'


class InvalidRequestBody(Invalid):
    msg_fmt = 'Malformed request body: %(reason)s'


class InvalidImageRef(Invalid):
    msg_fmt = 'Invalid image href: %(image_href)s.'


class InvalidKeypair(Invalid):
    msg_fmt = 'Keypair data is invalid: %(reason)s'


class CannotResizeToSameFlavor(Invalid):
    msg_fmt = 'When resizing, instances must change flavor!'


class CannotResizeDisk(Invalid):
    msg_fmt = 'Server disk was unable to be resized because: %(reason)s'


class ImageNotActive(Invalid):
    msg_fmt = 'Image %(image_id)s is not active.'


class FlavorMemoryTooSmall(Invalid):
    msg_fmt = "Flavor's memory is too small for requested image."


class FlavorDiskTooSmall(Invalid):
    msg_fmt = "Flavor's disk is too small for requested image."


class AutoDiskConfigDisabledByImage(Invalid):
    msg_fmt = ('Requested image %(image)s has automatic disk resize '
               'disabled.')


class InvalidCellConfig(Invalid):
    msg_fmt = 'Invalid cell configuration: %(reason)s'


class SecurityGroupExistsForInstance(Invalid):
    msg_fmt = ('Security group %(security_group_id)s is already associated'
               ' with the instance %(instance_id)s')


class SecurityGroupNotExistsForInstance(Invalid):
    msg_fmt = ('Security group %(security_group_id)s not associated with '
               'the instance %(instance_id)s')


class SecurityGroupExists(Invalid):
    msg_fmt = 'Security group %(security_group_name)s already exists'


class SecurityGroupRuleExists(Invalid):
    msg_fmt = 'This rule already exists in group %(group_id)s'


class SecurityGroupInUse(Invalid):
    msg_fmt = 'Security group is still in use'


class SecurityGroupSystem(Invalid):
    msg_fmt = "Unable to %(action)s system group '%(name)s'"


class InvalidCidr(Invalid):
    msg_fmt = '%(cidr)s is not a valid IP network.'


class InvalidIpProtocol(Invalid):
    msg_fmt = 'Invalid IP protocol %(protocol)s.'


class InvalidPortRange(Invalid):
    msg_fmt = 'Invalid port range %(from_port)s:%(to_port)s. %(msg)s'


class MigrationPreCheckError(Invalid):
    msg_fmt = 'Migration pre-check error: %(reason)s'


class InvalidAggregateAction(Invalid):
    msg_fmt = ('Unacceptable parameters for aggregate %(aggregate_id)s: '
               '%(reason)s')


class InvalidAggregateActionAdd(InvalidAggregateAction):
    msg_fmt = ('Cannot add host to aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionDelete(InvalidAggregateAction):
    msg_fmt = ('Cannot remove aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionUpdate(InvalidAggregateAction):
    msg_fmt = ('Cannot update aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class InvalidAggregateActionUpdateMeta(InvalidAggregateAction):
    msg_fmt = ('Cannot update metadata of aggregate %(aggregate_id)s. '
               'Reason: %(reason)s.')


class AvailabilityZoneNotAvailable(Invalid):
    msg_fmt = 'The requested availability zone is not available'


class CannotMigrateToSameHost(Invalid):
    msg_fmt = 'Cannot migrate to the host where the instance is now.'


class CannotMigrateToCell(Invalid):
    msg_fmt = 'Cannot migrate to cell %(cell)s: %(reason)s'


class CellMessageInvalid(Invalid):
    msg_fmt = 'Invalid inter-cell message: %(reason)s'


class Forbidden(NovaException):
    msg_fmt = 'Forbidden.'
    code = 403


class PolicyNotAuthorized(Forbidden):
    msg_fmt = "Policy doesn't allow %(action)s to be performed."


class CellsUpdateUnsupported(Forbidden):
    msg_fmt = ('Cannot update cells configuration file: the neighbour '
               'cells of this cell come from [cells] cells_config.')


class QuotaError(Forbidden):
    """A request would take a project over one of its limits.

    Nova's API answers these with 403, whatever the resource.
    """

    msg_fmt = 'Quota exceeded: code=%(code)s'


class TooManyInstances(QuotaError):
    msg_fmt = ('Quota exceeded for %(overs)s: Requested %(req)s, but '
               'already used %(used)s of %(allowed)s %(overs)s')


class SecurityGroupLimitExceeded(QuotaError):
    msg_fmt = 'Quota exceeded, too many security %(what)s.'


class ServerGroupQuotaExceeded(QuotaError):
    """A project's ``server_groups`` or a group's
    ``server_group_members`` limit; the message is Nova's, given whole."""

    msg_fmt = '%(message)s'


class MetadataLimitExceeded(QuotaError):
    msg_fmt = 'Maximum number of metadata items exceeds %(allowed)d'


class OnsetFileLimitExceeded(QuotaError):
    msg_fmt = 'Personality file limit exceeded'


class OnsetFilePathLimitExceeded(QuotaError):
    msg_fmt = 'Personality file path exceeds maximum %(allowed)s'


class OnsetFileContentLimitExceeded(QuotaError):
    msg_fmt = 'Personality file content exceeds maximum %(allowed)s'


class InvalidQuotaValue(Invalid):
    msg_fmt = ('Quota limit %(limit)s for %(resource)s must be greater '
               'than or equal to already used and reserved %(minimum)s.')


class QuotaValueTooHigh(Invalid):
    """A user's limit above what their project leaves for it."""

    msg_fmt = ('Quota limit %(limit)s for %(resource)s must be less than '
               'or equal to %(maximum)s.')


class NotFound(NovaException):
    msg_fmt = 'Resource could not be found.'
    code = 404


class InstanceNotFound(NotFound):
    msg_fmt = 'Instance %(instance_id)s could not be found.'


class FlavorNotFound(NotFound):
    msg_fmt = 'Flavor %(flavor_id)s could not be found.'


class ImageNotFound(NotFound):
    msg_fmt = 'Image %(image_id)s could not be found.'


class KeypairNotFound(NotFound):
    msg_fmt = 'Keypair %(name)s not found for user %(user_id)s'


class SecurityGroupNotFound(NotFound):
    msg_fmt = 'Security group %(security_group_id)s not found.'


class SecurityGroupNotFoundForRule(SecurityGroupNotFound):
    msg_fmt = 'Security group with rule %(rule_id)s not found.'


class SecurityGroupDefaultRuleNotFound(NotFound):
    # Nova's words, misplaced parenthesis included.
    msg_fmt = 'Security group default rule (%(rule_id)s) not found.'


class SecurityGroupNotFoundForProject(SecurityGroupNotFound):
    msg_fmt = ('Security group %(security_group_id)s not found for project '
               '%(project_id)s.')


class InstanceActionNotFound(NotFound):
    msg_fmt = ('Action for request_id %(request_id)s on instance'
               ' %(instance_uuid)s not found')


class InstanceMetadataNotFound(NotFound):
    msg_fmt = ('Instance %(instance_uuid)s has no metadata with key'
               ' %(key)s.')


class FlavorAccessNotFound(NotFound):
    msg_fmt = ('Flavor access not found for %(flavor_id)s / '
               '%(project_id)s combination.')


class FlavorExtraSpecsNotFound(NotFound):
    msg_fmt = ('Flavor %(flavor_id)s has no extra specs with key'
               ' %(extra_specs_key)s.')


class MigrationNotFoundForInstance(NotFound):
    msg_fmt = ('Migration %(migration_id)s not found for instance '
               '%(instance_id)s')


class MigrationNotFoundByStatus(NotFound):
    msg_fmt = ('Migration not found for instance %(instance_id)s with'
               ' status %(status)s.')


class InstanceUnknownCell(NotFound):
    msg_fmt = 'Cell is not known for instance %(instance_uuid)s'


class CellNotFound(NotFound):
    msg_fmt = "Cell %(cell_name)s doesn't exist."


class ServiceNotFound(NotFound):
    msg_fmt = 'Service %(service_id)s could not be found.'


class HostBinaryNotFound(NotFound):
    msg_fmt = 'Could not find binary %(binary)s on host %(host)s.'


class ComputeHostNotFound(NotFound):
    msg_fmt = 'Compute host %(host)s could not be found.'


class AggregateNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s could not be found.'


class AggregateHostNotFound(NotFound):
    msg_fmt = 'Aggregate %(aggregate_id)s has no host %(host)s.'


class InstanceGroupNotFound(NotFound):
    msg_fmt = 'Instance group %(group_uuid)s could not be found.'


class Conflict(NovaException):
    msg_fmt = 'Conflict.'
    code = 409


class InstanceInvalidState(Conflict):
    msg_fmt = ('Cannot %(method)s instance %(instance_uuid)s while it is in '
               '%(attr)s %(state)s.')


class InstanceIsLocked(Conflict):
    msg_fmt = 'Instance %(instance_uuid)s is locked'


class InstanceNotReady(Conflict):
    # Nova's REST layer answers this one with 409 whatever its base says.
    msg_fmt = 'Instance %(instance_id)s is not ready'


class KeyPairExists(Conflict):
    msg_fmt = "Key pair '%(key_name)s' already exists."


class InstanceExists(Conflict):
    msg_fmt = 'Instance %(name)s already exists.'


class FlavorExists(Conflict):
    msg_fmt = 'Flavor with name %(name)s already exists.'


class FlavorAccessExists(Conflict):
    msg_fmt = ('Flavor access already exists for flavor %(flavor_id)s and '
               'project %(project_id)s combination.')


class FlavorIdExists(Conflict):
    msg_fmt = 'Flavor with ID %(flavor_id)s already exists.'


class CidrConflict(Conflict):
    msg_fmt = ('Requested cidr (%(cidr)s) conflicts with existing cidr '
               '(%(other)s)')


class AggregateNameExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_name)s already exists.'


class AggregateHostExists(Conflict):
    msg_fmt = 'Aggregate %(aggregate_id)s already has host %(host)s.'


class CellExists(Conflict):
    msg_fmt = 'A cell named %(name)s already exists.'


class NoValidHost(NovaException):
    msg_fmt = 'No valid host was found. %(reason)s'


class CrossCellMigrationFailed(NovaException):
    msg_fmt = 'Migration to cell %(cell)s failed: %(reason)s'


class GroupPolicyViolation(NovaException):
    """A compute host's late check: building here would break the
    server group's policy (another build of the group got here first);
    the build is rescheduled."""

    msg_fmt = ('Build of instance %(instance_uuid)s was re-scheduled: '
               '%(reason)s')


class NoCellsAvailable(NovaException):
    msg_fmt = 'No cells available matching scheduling criteria.'


class BuildHostDown(NovaException):
    msg_fmt = ('Instance %(uuid)s was building on %(host)s, whose compute '
               'service went down.')


class BuildInterrupted(NovaException):
    msg_fmt = ('Instance %(uuid)s was building on %(host)s when its compute '
               'service stopped.')


class InstanceBuildTimeout(NovaException):
    msg_fmt = ('Instance %(uuid)s was still building after %(timeout)s '
               'seconds.')


class CellBuildFailed(NovaException):
    msg_fmt = 'Build failed in cell %(cell)s: %(reason)s'


class CellRoutingInconsistency(NovaException):
    msg_fmt = ('Inconsistency in cell routing: %(reason)s')


class CellMaxHopCountReached(NovaException):
    msg_fmt = ('Cell message has reached maximum hop count: %(hop_count)s')


class CellTimeout(NovaException):
    msg_fmt = ('Timeout waiting for response from cell')


class ServiceUnavailable(NovaException):
    msg_fmt = 'Service unavailable: %(reason)s'
    code = 503


class ImageServiceUnavailable(ServiceUnavailable):
    msg_fmt = 'The image service is unavailable: %(reason)s'


class NotSupported(NovaException):
    msg_fmt = '%(reason)s'
    code = 501
