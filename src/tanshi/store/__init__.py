"""The database shell: tables, migrations and connection settings (SQLite or PostgreSQL)."""
