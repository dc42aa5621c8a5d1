"""The read room: read models over the projection tables for lists, pages and dashboards. Never a
write transaction, never a service call; every read is role-checked here."""
