"""The store room: database and tables, migrations, the instance store (lock, load, save), the
projection tables and deadline clocks written at save, the notification outbox, and the stored
process packages. Only services save instances."""
