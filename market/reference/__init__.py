"""Reference data: villages and their party organisation, households, the catalogue, logins.

One module per aggregate (:mod:`.villages`, :mod:`.party`, :mod:`.households`,
:mod:`.catalogue`, :mod:`.users`), the pages in :mod:`.views`, the JSON API in :mod:`.api`.
"""
from .views import bp

__all__ = ["bp"]
