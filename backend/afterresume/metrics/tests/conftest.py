"""metrics.compute on real parts: a Celery worker on the Redis broker, the django-db result
backend (the chord), PostgreSQL."""

from afterresume.jobs.tests.conftest import empty_queues, launch_prices, worker  # noqa: F401 (fixtures)
