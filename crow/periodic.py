"""Housekeeping jobs that belong to no single app."""

from django.db import connection


def partitions_ensure_job() -> None:
    """Keep monthly event partitions created three months ahead."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT crow_event_partitions_ensure(1, 3)")
