"""定金: how the deposit of a terminated contract ends (定金处理), and voiding a closure made in error.

The services live in ``services.py``; ``views.py`` holds the page, ``api.py`` the JSON API.
"""
from .views import bp

__all__ = ["bp"]
