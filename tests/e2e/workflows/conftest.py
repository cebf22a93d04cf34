"""Fixtures of the ``cauce serve`` end-to-end tests (defined in :mod:`tests.e2e.workflows.live`)."""

from tests.e2e.workflows.live import live, sandbox

__all__ = ["live", "sandbox"]
