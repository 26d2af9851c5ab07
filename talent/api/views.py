"""API endpoints of this app; ``routes`` is registered under /api/v1/ by zyparty.urls."""

routes = []
