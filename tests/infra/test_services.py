"""The test services themselves: a real PostgreSQL schema and a real S3 server."""

import sqlalchemy as sa


def test_postgres_schema_is_isolated_and_writable(postgres_url):
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE probe (x integer)")
        conn.exec_driver_sql("INSERT INTO probe VALUES (1)")
        assert conn.exec_driver_sql("SELECT current_schema()").scalar().startswith("t_")
        assert conn.exec_driver_sql("SELECT x FROM probe").scalar() == 1
    engine.dispose()


def test_s3_bucket_round_trip(s3_bucket):
    import fsspec

    fs, path = fsspec.core.url_to_fs(f"{s3_bucket}/a/b.txt", skip_instance_cache=True)
    with fs.open(path, "wb") as f:
        f.write(b"hello")
    assert fs.cat(path) == b"hello"
