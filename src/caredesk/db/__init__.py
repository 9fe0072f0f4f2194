"""Storage: declarative base, engine and unit of work, migrations."""
