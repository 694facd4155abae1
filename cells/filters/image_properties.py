"""The image's ``hypervisor_version_requires`` against the cell's
``prominent_hypervisor_version`` capability."""

from __future__ import annotations

from typing import Any

from oslo_log import log as logging
from packaging import specifiers
from packaging import version

from nova.cells import filters
from nova.cells import state as cells_state

LOG = logging.getLogger(__name__)

REQUIRES = 'hypervisor_version_requires'
CAPABILITY = 'prominent_hypervisor_version'


class ImagePropertiesFilter(filters.BaseCellFilter):
    """Cells with a hypervisor version the image accepts (``>=6.0,<6.2``).

    A cell that advertises no version passes: it cannot be ruled out.
    """

    def cell_passes(self, cell: cells_state.CellState,
                    filter_properties: dict[str, Any]) -> bool:
        image = (filter_properties.get('request_spec') or {}).get('image')
        requires = ((image or {}).get('properties') or {}).get(REQUIRES)
        if not requires:
            return True
        versions = cell.capabilities.get(CAPABILITY)
        if not versions:
            return True
        try:
            spec = specifiers.SpecifierSet(str(requires))
        except specifiers.InvalidSpecifier:
            LOG.warning('Image requires an unreadable hypervisor version '
                        '%r; no cell can match it', requires)
            return False
        for value in versions:
            try:
                if version.Version(value) in spec:
                    return True
            except version.InvalidVersion:
                continue
        return False
