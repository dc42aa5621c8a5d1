"""The search index of complaints: one row per complaint with its search terms (``runtime.search.terms``),
written with its record when it is accepted (``runtime.search.index``).

Both databases hold the same terms, each in the form its own full-text index reads:

- SQLite: the terms as text (space-separated), and an FTS5 table ``complaint_search_fts`` over them
  (external content, kept in step by triggers; rowid = instance id), made by migration 0015;
- PostgreSQL: a ``tsvector`` of exactly those lexemes (``array_to_tsvector``: no parser, dictionary
  or locale between our terms and the index) with a GIN index on it.
"""
from __future__ import annotations

from sqlalchemy import ForeignKey, Text, TypeDecorator, func, type_coerce
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from runtime.store.db import Base

FTS_TABLE = "complaint_search_fts"


class _PgTerms(TypeDecorator):
    """Space-separated terms written as a tsvector of those lexemes, taken as they are."""

    impl = TSVECTOR
    cache_ok = True

    def bind_expression(self, bindvalue):
        return func.array_to_tsvector(func.string_to_array(type_coerce(bindvalue, Text), " "))


TERMS = Text().with_variant(_PgTerms(), "postgresql")


class ComplaintSearch(Base):
    """What search finds a complaint by: its number, contact data, ticket id and texts, as terms."""

    __tablename__ = "complaint_search"
    instance_id: Mapped[int] = mapped_column(ForeignKey("process_instance.id"), primary_key=True)
    terms: Mapped[str] = mapped_column(TERMS)
