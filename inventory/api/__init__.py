"""The inventory's API router, put together from one module per subject."""

from ninja import Router

from inventory.api.catalog import router as catalog_router
from inventory.api.exports import router as exports_router
from inventory.api.imports import router as imports_router

router = Router(tags=["inventory"])
router.add_router("", exports_router)  # before catalog: /devices/export is not an asset tag
router.add_router("", catalog_router)
router.add_router("", imports_router)
