"""``python -m nova.tools.launcher``: the same as ``tools/launch``."""

import sys

from nova.tools.launcher.cli import main

sys.exit(main())
