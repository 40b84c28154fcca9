"""One page of a long list on a page people read on a phone: the rows a search keeps, cut into
pages. Used where one document carries many households (a settlement, an allocation run).

The list is already in memory (the document's own rows), so this only filters and slices; it
reads the page and the search from the request and never fails on a page out of range.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Generic, Sequence, TypeVar

from flask import request, url_for

T = TypeVar("T")


@dataclass(frozen=True)
class ListPage(Generic[T]):
    rows: list[T]
    #: the search as typed, "" for none
    query: str
    #: how many rows the search kept, over every page
    found: int
    page: int
    pages: int
    page_arg: str
    query_arg: str

    def url(self, page: int) -> str:
        """This page's address showing ``page`` of the same search, every other argument kept."""
        args = self.other_args()
        args.update(request.view_args or {})
        args[self.page_arg] = page
        if self.query:
            args[self.query_arg] = self.query
        return url_for(request.endpoint, **args)

    def other_args(self) -> dict[str, str]:
        """The request's query arguments that are not this list's page or search."""
        return {k: v for k, v in request.args.items() if k not in (self.page_arg, self.query_arg)}

    def search_action(self) -> str:
        return url_for(request.endpoint, **(request.view_args or {}))


def list_page(items: Sequence[T], *, matches: Callable[[T, str], bool], size: int = 15,
              page_arg: str = "page", query_arg: str = "q") -> ListPage[T]:
    """The page ``page_arg`` of ``items`` that ``matches(item, query)`` keeps for the search
    ``query_arg``; pages before the first or past the last land on the first or the last."""
    query = (request.args.get(query_arg) or "").strip()[:64]
    found = [item for item in items if matches(item, query)] if query else list(items)
    pages = max(1, -(-len(found) // size))
    page = min(max(1, request.args.get(page_arg, 1, type=int)), pages)
    return ListPage(found[(page - 1) * size: page * size], query, len(found), page, pages, page_arg, query_arg)
