"""Periodic work, run by `python manage.py rqcron crow.cron` (started by `up`).

Each app adds its periodic jobs here; the functions are plain job functions enqueued on a queue,
so the work runs in the RQ worker, not in the scheduler process.
"""

from rq import cron

from crow.periodic import partitions_ensure_job

cron.register(partitions_ensure_job, queue_name="default", interval=6 * 3600)

from ingestion.jobs import idle_sessions_sweep_job, usage_flush_job  # noqa: E402

cron.register(idle_sessions_sweep_job, queue_name="default", interval=30)
cron.register(usage_flush_job, queue_name="default", interval=60)

from processing.jobs import retention_job  # noqa: E402 - each app appends its own block

cron.register(retention_job, queue_name="default", interval=24 * 3600)
