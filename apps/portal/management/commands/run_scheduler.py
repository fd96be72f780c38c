"""The former name of ``run_sweeps`` (kept for existing deployments and scripts)."""

from .run_sweeps import Command, run_due  # noqa: F401
