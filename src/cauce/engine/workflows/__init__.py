"""Workflows: "when this happens in one app, do that in another", durable and replayable.

An event (a webhook, a polled item, a cron instant, a finished sync) is
accepted into the store together with a run and its job
(:func:`accept_event`); the job runs the workflow's steps
(:class:`WorkflowRuntime`), recording every attempt; waits (delays, retry
backoff) are continuation jobs with ``run_after``. :class:`WorkflowService`
is what the faces call: the job handler, test runs, replays, the run log.
"""

from cauce.engine.workflows.definition import CompiledWorkflow, compile_workflow, snapshot
from cauce.engine.workflows.intake import WORKFLOW_JOB, AcceptResult, accept_event, accept_events
from cauce.engine.workflows.runtime import RunOutcome, RunState, StepRecord, WorkflowRuntime
from cauce.engine.workflows.service import TestResult, WorkflowError, WorkflowService

__all__ = [
    "WORKFLOW_JOB",
    "AcceptResult",
    "CompiledWorkflow",
    "RunOutcome",
    "RunState",
    "StepRecord",
    "TestResult",
    "WorkflowError",
    "WorkflowRuntime",
    "WorkflowService",
    "accept_event",
    "accept_events",
    "compile_workflow",
    "snapshot",
]
