"""Global data of the compute API: images, key pairs and flavors.

Mixed into :class:`nova.compute.api.API`.  These live in the API cell's
database only; whatever a child cell needs of them travels with each
request (flavor with extra specs, image metadata, key data).
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import re
from typing import TYPE_CHECKING
from typing import Any

from cryptography import exceptions as crypto_exceptions
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from oslo_utils import uuidutils

from nova import exception
from nova import objects
from nova.compute import images
from nova.context import RequestContext
from nova.db.api import Database
from nova.image_service import BootImages
from nova.image_service import ImageService

_KEYPAIR_NAME = re.compile(r'^[a-zA-Z0-9 _.@-]{1,255}$')
_FLAVOR_FIELDS = ('name', 'flavorid', 'memory_mb', 'vcpus', 'root_gb',
                  'ephemeral_gb', 'swap', 'rxtx_factor', 'is_public',
                  'disabled', 'description', 'extra_specs')


def _fingerprint(public_key: str) -> str:
    """The MD5 fingerprint of an OpenSSH public key, as Nova shows it."""
    try:
        blob = base64.b64decode(public_key.split()[1], validate=True)
    except (IndexError, binascii.Error, ValueError) as exc:
        raise exception.InvalidKeypair(
            reason='Keypair data is invalid') from exc
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ':'.join(digest[i:i + 2] for i in range(0, len(digest), 2))


def _colons(digest: bytes) -> str:
    return ':'.join('%02x' % byte for byte in digest)


def _x509_fingerprint(certificate: str) -> str:
    """The SHA-1 fingerprint of a PEM certificate, as Nova shows it."""
    try:
        cert = x509.load_pem_x509_certificate(certificate.encode())
    except ValueError as exc:
        raise exception.InvalidKeypair(
            reason='Keypair data is invalid: not a PEM certificate'
        ) from exc
    return _colons(cert.fingerprint(hashes.SHA1()))  # noqa: S303


def _check_public_key(public_key: str) -> None:
    try:
        serialization.load_ssh_public_key(public_key.encode())
    except (ValueError, TypeError, IndexError,
            crypto_exceptions.UnsupportedAlgorithm) as exc:
        raise exception.InvalidKeypair(
            reason='failed to parse the public key') from exc


def generate_key_pair() -> tuple[str, str]:
    """A new RSA key pair: (OpenSSH public key, PEM private key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = _private_pem(key)
    public = key.public_key().public_bytes(
        serialization.Encoding.OpenSSH,
        serialization.PublicFormat.OpenSSH).decode()
    return public + ' Generated-by-Nova', private


def _private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption()).decode()


def generate_x509_pair(user_id: str, project_id: str) -> tuple[str, str]:
    """A new RSA key and a self-signed certificate of it, valid ten
    years, naming the user and project: (PEM certificate, PEM key)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'OpenStack'),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, project_id),
        x509.NameAttribute(NameOID.COMMON_NAME, user_id)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder()
            .subject_name(subject).issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=3650))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM).decode(),
            _private_pem(key))


class GlobalDataMixin:
    if TYPE_CHECKING:
        conf: Any
        db: Database
        image_service: ImageService
        quotas: Any
        boot_images: BootImages

    # -- images ---------------------------------------------------------

    def image_get_all(self, ctxt: RequestContext) -> list[dict[str, Any]]:
        """Images visible to the caller (public ones and its project's),
        newest first."""
        return self.image_service.get_all(ctxt)

    def image_get(self, ctxt: RequestContext, image_id: str) -> dict[str, Any]:
        return self.image_service.get(ctxt, image_id)

    def image_create(self, ctxt: RequestContext, values: dict[str, Any]
                     ) -> dict[str, Any]:
        """Register an image: ``name``, ``status`` (default ``active``),
        ``is_public``, ``min_ram``, ``min_disk``, ``properties``, ...;
        ``id`` defaults to a new uuid, ``owner`` to the caller's
        project."""
        values = dict(values)
        values.setdefault('id', uuidutils.generate_uuid())
        values.setdefault('status', 'active')
        values.setdefault('owner', ctxt.project_id)
        values.setdefault('min_ram', 0)
        values.setdefault('min_disk', 0)
        return self.image_service.create(ctxt, values)

    def image_set_properties(self, ctxt: RequestContext, image_id: str,
                             properties: dict[str, str]) -> dict[str, Any]:
        """Make ``properties`` all of an image's properties (its metadata
        in Nova's image proxy): the caller's project must own the image
        (any, for an admin), and the project's ``metadata_items`` quota
        bounds their number (MetadataLimitExceeded).  The image
        afterwards."""
        image = self.image_service.get(ctxt, image_id)
        if not ctxt.is_admin and image['owner'] != ctxt.project_id:
            raise exception.Forbidden(
                f'Not authorized for image {image_id}.')
        self.quotas.check_metadata(ctxt, ctxt.project_id, len(properties))
        image = self.image_service.set_properties(ctxt, image_id,
                                                  properties)
        # A boot through this nova-api sees the new properties at once.
        self.boot_images.forget(image_id)
        return image

    def image_delete(self, ctxt: RequestContext, image_id: str) -> None:
        """Delete an image the caller owns (any, for an admin)."""
        image = self.image_service.get(ctxt, image_id)
        if not ctxt.is_admin and image['owner'] != ctxt.project_id:
            raise exception.Forbidden(
                'Image %s belongs to another project.' % image_id)
        self.image_service.delete(ctxt, image_id)
        self.boot_images.forget(image_id)

    def _new_image(self, ctxt: RequestContext, instance: objects.Instance,
                   name: str, extra_properties: dict[str, Any] | None,
                   image_type: str = 'snapshot') -> objects.ImageMeta:
        """Register the (queued) image a snapshot, backup or shelve will
        fill."""
        values = images.snapshot_values(
            ctxt, instance, name, image_type, extra_properties,
            list(self.conf.non_inheritable_image_properties))
        return objects.ImageMeta.from_dict(self.image_create(ctxt, values))

    # -- key pairs ------------------------------------------------------

    def keypair_create(self, ctxt: RequestContext, user_id: str, name: str,
                       public_key: str | None = None,
                       key_type: str = 'ssh'
                       ) -> tuple[dict[str, Any], str | None]:
        """Import ``public_key``, or generate a pair; returns the key pair
        and the private key (None when imported).  ``key_type`` ``x509``
        (microversion 2.2) is a PEM certificate, imported or generated
        (self-signed), with its SHA-1 fingerprint."""
        if not _KEYPAIR_NAME.match(name or '') or not name.strip():
            raise exception.InvalidKeypair(
                reason='Keypair name contains unsafe characters')
        private_key = None
        if key_type == 'x509':
            if public_key is None:
                public_key, private_key = generate_x509_pair(
                    user_id, str(ctxt.project_id))
            public_key = public_key.strip()
            fingerprint = _x509_fingerprint(public_key)
        else:
            if public_key is None:
                public_key, private_key = generate_key_pair()
            else:
                public_key = public_key.strip()
                _check_public_key(public_key)
            fingerprint = _fingerprint(public_key)
        keypair = self.db.key_pair_create(ctxt, {
            'user_id': user_id, 'name': name, 'public_key': public_key,
            'fingerprint': fingerprint, 'type': key_type})
        return keypair, private_key

    def keypair_get_all(self, ctxt: RequestContext, user_id: str
                        ) -> list[dict[str, Any]]:
        return self.db.key_pair_get_all_by_user(ctxt, user_id)

    def keypair_get(self, ctxt: RequestContext, user_id: str, name: str
                    ) -> dict[str, Any]:
        return self.db.key_pair_get(ctxt, user_id, name)

    def keypair_delete(self, ctxt: RequestContext, user_id: str, name: str
                       ) -> None:
        self.db.key_pair_destroy(ctxt, user_id, name)

    # -- flavors --------------------------------------------------------

    def flavor_get_all(self, context: RequestContext) -> list[objects.Flavor]:
        return [objects.Flavor.from_db(f)
                for f in self.db.flavor_get_all(context)]

    def flavor_get(self, context: RequestContext, flavorid: str
                   ) -> objects.Flavor:
        """The flavor ``flavorid`` as the caller sees it: a private
        flavor is FlavorNotFound except to administrators and to the
        projects in its access list, as in Nova."""
        row = self.db.flavor_get_by_flavor_id(context, flavorid)
        if not (row['is_public'] or context.is_admin
                or self.db.flavor_access_allowed(context, row['id'],
                                                 context.project_id)):
            raise exception.FlavorNotFound(flavor_id=flavorid)
        return objects.Flavor.from_db(row)

    def flavor_access_add(self, ctxt: RequestContext, flavorid: str,
                          project_id: str) -> list[str]:
        """Let ``project_id`` use the private flavor ``flavorid``;
        FlavorAccessExists if it may already.  Returns the access list."""
        if project_id in self.db.flavor_access_get_by_flavor_id(ctxt,
                                                               flavorid):
            raise exception.FlavorAccessExists(flavor_id=flavorid,
                                               project_id=project_id)
        self.db.flavor_access_add(ctxt, flavorid, project_id)
        return self.flavor_access_list(ctxt, flavorid)

    def flavor_access_remove(self, ctxt: RequestContext, flavorid: str,
                             project_id: str) -> list[str]:
        """Take the flavor away from ``project_id`` (FlavorAccessNotFound
        if it had no access).  Returns the access list."""
        if project_id not in self.db.flavor_access_get_by_flavor_id(
                ctxt, flavorid):
            raise exception.FlavorAccessNotFound(flavor_id=flavorid,
                                                 project_id=project_id)
        self.db.flavor_access_remove(ctxt, flavorid, project_id)
        return self.flavor_access_list(ctxt, flavorid)

    def flavors_accessible(self, ctxt: RequestContext) -> set[str]:
        """The private flavors the caller's project was given."""
        return set(self.db.flavor_access_get_by_project(ctxt,
                                                        ctxt.project_id))

    def flavor_access_list(self, ctxt: RequestContext, flavorid: str
                           ) -> list[str]:
        """The projects that may use the flavor ``flavorid``."""
        return self.db.flavor_access_get_by_flavor_id(ctxt, flavorid)

    def flavor_create(self, ctxt: RequestContext, values: dict[str, Any]
                      ) -> objects.Flavor:
        """Create a flavor (``flavorid`` None or ``auto``: a new uuid);
        FlavorExists or FlavorIdExists when the name or id is taken."""
        unknown = set(values) - set(_FLAVOR_FIELDS)
        if unknown:
            raise exception.InvalidInput(
                reason='unknown flavor fields: %s' % ', '.join(
                    sorted(unknown)))
        values = dict(values)
        if values.get('flavorid') in (None, 'auto'):
            values['flavorid'] = uuidutils.generate_uuid()
        values['flavorid'] = str(values['flavorid'])
        for key, low in (('memory_mb', 1), ('vcpus', 1), ('root_gb', 0),
                         ('ephemeral_gb', 0), ('swap', 0)):
            value = values.setdefault(key, 0)
            if not isinstance(value, int) or value < low:
                raise exception.InvalidInput(
                    reason='%s must be an integer of at least %d'
                    % (key, low))
        if not (values.get('name') or '').strip():
            raise exception.InvalidInput(reason='a flavor needs a name')
        return objects.Flavor.from_db(self.db.flavor_create(ctxt, values))

    def flavor_delete(self, ctxt: RequestContext, flavorid: str) -> None:
        """Delete a flavor; instances built with it keep their copy."""
        self.db.flavor_destroy(ctxt, flavorid)

    def flavor_extra_specs_update(self, ctxt: RequestContext, flavorid: str,
                                  specs: dict[str, Any]) -> dict[str, Any]:
        """Create or change extra specs; returns all of the flavor's."""
        return self.db.flavor_extra_specs_update(
            ctxt, flavorid, {str(k): None if v is None else str(v)
                             for k, v in specs.items()})

    def flavor_update_description(self, ctxt: RequestContext,
                                  flavorid: str, description: str | None
                                  ) -> objects.Flavor:
        """Change a flavor's description (microversion 2.55)."""
        return objects.Flavor.from_db(self.db.flavor_update_description(
            ctxt, flavorid, description))

    def flavor_extra_spec_delete(self, ctxt: RequestContext, flavorid: str,
                                 key: str) -> None:
        self.db.flavor_extra_spec_delete(ctxt, flavorid, key)
