"""nova: a cells v1 compute control plane.

Importing the package selects oslo.service's threading backend before
anything can import oslo_messaging (which would otherwise pick eventlet).
Nothing in this project monkey-patches; every service runs on native
threads.
"""

import warnings

# futurist imports eventlet when it is installed and eventlet warns that it
# is deprecated; we never use it, so the warning only adds noise.
warnings.filterwarnings('ignore', message=r'\s*Eventlet is deprecated')
# eventlet imports dnspython, whose DNSSEC module still names DSA, which
# cryptography 51 deprecates on access: noise for the same reason.
warnings.filterwarnings('ignore', message=r'DSA is deprecated',
                        module=r'dns\.')

from oslo_service import backend as _backend  # noqa: E402

_backend.init_backend(_backend.BackendType.THREADING)
