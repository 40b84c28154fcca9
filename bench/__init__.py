"""Benchmarks: `make bench` (python -m bench). Targets live here, never in unit tests."""


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database ``url`` names when it is missing (a bench then fills it)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}) is None:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()
