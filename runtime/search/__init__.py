"""Searching complaints: the terms (``terms``), the index row of one complaint (``index``), the query (``query``)."""
