"""nova: a cells v1 compute control plane.

Importing the package selects oslo.service's threading backend before
anything can import oslo_messaging (which would otherwise pick eventlet).
Nothing in this project monkey-patches; every service runs on native
threads.
"""

import sys
import warnings

# eventlet stays installed (other packages depend on it) but nothing here
# runs on it, and futurist imports it whenever it can: with it come
# dnspython and its DNSSEC algorithms, some 10 MiB in every daemon.  Known
# absent, every optional import of it takes its path without eventlet.
# A process that loaded eventlet before nova keeps it.
sys.modules.setdefault('eventlet', None)  # type: ignore[arg-type]

# Should some package load dnspython anyway: its DNSSEC module still names
# DSA, which cryptography 51 deprecates on access, noise for us.
warnings.filterwarnings('ignore', message=r'DSA is deprecated',
                        module=r'dns\.')

from oslo_service import backend as _backend  # noqa: E402

_backend.init_backend(_backend.BackendType.THREADING)
