"""The job system: a leased job queue in the store, a local executor, a cron scheduler.

Every unit of work is a job row (:class:`JobQueue`). Executors claim jobs
under a lease and run plain handler functions (:data:`JobHandler`), so the
local executor and a distributed one run the same code. The
:class:`Scheduler` enqueues ``sync`` jobs when their cron schedule is due.

::

    queue = JobQueue(store.engine)
    executor = LocalExecutor(queue, {"sync": run_sync_job}, threads=2)
    executor.start()
    scheduler = Scheduler(queue)
    scheduler.set_schedules({"crm_to_esp": "*/15 * * * *"})
    scheduler.run_forever(stop_event)
"""

from cauce.engine.jobs.backoff import retry_delay
from cauce.engine.jobs.executor import JobHandler, LocalExecutor, default_worker_id
from cauce.engine.jobs.job import (
    ACTIVE_STATUSES,
    FINAL_STATUSES,
    JOB_STATUSES,
    Job,
    JobInterrupted,
    JobStatus,
    LeaseLost,
)
from cauce.engine.jobs.lease import BatchWriter, JobContext
from cauce.engine.jobs.queue import JobQueue
from cauce.engine.jobs.scheduler import (
    SYNC_JOB_KIND,
    Scheduler,
    latest_instant,
    sync_dedupe_key,
    validate_cron,
)

__all__ = [
    "ACTIVE_STATUSES",
    "FINAL_STATUSES",
    "JOB_STATUSES",
    "SYNC_JOB_KIND",
    "BatchWriter",
    "Job",
    "JobContext",
    "JobHandler",
    "JobInterrupted",
    "JobQueue",
    "JobStatus",
    "LeaseLost",
    "LocalExecutor",
    "Scheduler",
    "default_worker_id",
    "latest_instant",
    "retry_delay",
    "sync_dedupe_key",
    "validate_cron",
]
