"""Typed, versioned payloads that cross RPC (oslo.versionedobjects).

Objects are plain data: services read and write the database through
:class:`nova.db.api.Database` and convert rows with ``from_db``.
"""

from nova.objects.base import NovaObject  # noqa: F401
from nova.objects.base import NovaObjectRegistry  # noqa: F401
from nova.objects.base import NovaObjectSerializer  # noqa: F401  # noqa: F401
from nova.objects.flavor import Flavor  # noqa: F401
from nova.objects.image import ImageMeta  # noqa: F401
from nova.objects.instance import Instance  # noqa: F401
from nova.objects.instance import InstanceFault  # noqa: F401
from nova.objects.instance_action import InstanceAction  # noqa: F401
from nova.objects.instance_action import InstanceActionEvent  # noqa: F401
