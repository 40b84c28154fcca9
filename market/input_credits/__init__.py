"""农资赊销: farm supplies given to households on credit, recovered by their next settlements.

The services live in ``services.py``; ``views.py`` holds the page, ``api.py`` the JSON API.
"""
from .views import bp

__all__ = ["bp"]
