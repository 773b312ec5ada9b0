"""The inventory's API router, put together from one module per subject."""

from ninja import Router

from inventory.api.catalog import router as catalog_router

router = Router(tags=["inventory"])
router.add_router("", catalog_router)
