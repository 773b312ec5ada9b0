"""The inventory's API routers, one module per subject: the catalogue (mounted at the API's
root: schools, rooms, device models, devices and their export), the device import's
upload (mounted at /imports) and the asset labels (mounted at /labels)."""

from inventory.api.catalog import router as catalog_router
from inventory.api.imports import router as imports_router
from inventory.api.labels import router as labels_router

__all__ = ["catalog_router", "imports_router", "labels_router"]
