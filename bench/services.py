"""bench/'s PostgreSQL and Redis: the test command's starter (backend/scripts/with_services.py)
with PostgreSQL's durable defaults, so that figures are not flattered by fsync=off."""

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend" / "scripts"))

from with_services import ServiceError, Services, free_port, stop_process, throwaway_services

__all__ = ["ServiceError", "Services", "bench_services", "free_port", "stop_process"]


@contextlib.contextmanager
def bench_services() -> Iterator[Services]:
    with throwaway_services(durable=True) as services:
        yield services
