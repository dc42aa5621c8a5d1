"""Pages over a list whose total is counted only up to a cap (counting further costs time and
tells nobody anything): which page to show, how many there are, where it starts."""
from __future__ import annotations


def window(total: int, requested: int, size: int, cap: int) -> tuple[int, int, int]:
    """(page, pages, offset) for ``requested``, clamped to the pages that exist."""
    pages = max(1, -(-min(total, cap) // size))
    page = min(max(1, requested), pages)
    return page, pages, (page - 1) * size
