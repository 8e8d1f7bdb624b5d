"""Drop the (organization, type, timestamp) index of the events table.

Every index is paid for on each of the ~100K rows a second the ingest path aims at, and this one
bought little: reads by type are over an org and a time range, which the primary key
(organization_id, timestamp, event_id) already narrows, within one monthly partition.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("ingestion", "0002_event_partitions")]

    operations = [
        migrations.RunSQL(
            "DROP INDEX IF EXISTS ingestion_event_org_type_time",
            "CREATE INDEX ingestion_event_org_type_time ON ingestion_event (organization_id, type, timestamp)",
        )
    ]
