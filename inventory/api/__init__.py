"""The inventory's API routers, one module per subject: the catalogue (mounted at the API's
root: schools, rooms, device models, devices and their export) and the device import's
upload (mounted at /imports)."""

from inventory.api.catalog import router as catalog_router
from inventory.api.imports import router as imports_router

__all__ = ["catalog_router", "imports_router"]
