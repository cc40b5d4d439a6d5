"""Redis as the Celery broker of one test run: its own key prefix and queue, removed afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from tests.integration.deployment import PostgresServer

REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


class CeleryBroker:
    """Settings for CeleryExecutor on the shared Redis, scoped to this run so parallel runs never meet.

    Every key the run's Celery writes starts with ``prefix`` (kombu's ``global_keyprefix``), in a
    Redis database picked from the run id, and tasks go to a queue named after the run; results go
    to a PostgreSQL database of the run. :meth:`clean` removes all of them.
    """

    def __init__(self, server: PostgresServer) -> None:
        run = uuid.uuid4().hex[:10]
        self.server = server
        self.prefix = f"wolkvox-it-{run}:"
        self.queue = f"wolkvox-it-{run}"
        self.redis_db = 1 + int(run, 16) % 15  # 1..15: away from the default database 0
        self.results = f"wolkvox_it_celery_{run}"
        self._created = False

    @staticmethod
    def unreachable() -> str | None:
        """None when Redis answers, else why not."""
        import redis

        try:
            redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=3).ping()
        except Exception as err:
            return f"Redis at {REDIS_HOST}:{REDIS_PORT} is unreachable ({type(err).__name__}: {err})"
        return None

    def create(self) -> None:
        self.server.create(self.results)
        self._created = True

    def settings(self) -> dict[str, str]:
        """Environment for every component: executor, broker, result backend, queue."""
        backend = self.server.sqlalchemy_url(self.results)
        return {
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{self.redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{backend}",
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": self.prefix,
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__VISIBILITY_TIMEOUT": "3600",
            "AIRFLOW__CELERY__WORKER_ENABLE_REMOTE_CONTROL": "False",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": self.queue,
        }

    def worker(self, name: str, concurrency: int = 2) -> Sequence[str]:
        """argv of one ``airflow celery worker`` on this run's queue (no log server: its port is shared)."""
        return [
            "airflow", "celery", "worker", "--celery-hostname", f"{name}@%h", "--queues", self.queue,
            "--concurrency", str(concurrency), "--skip-serve-logs", "--without-mingle", "--without-gossip",
        ]  # fmt: skip

    def leftover_keys(self) -> list[str]:
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db, socket_connect_timeout=3)
        return [key.decode() for key in client.scan_iter(match=f"{self.prefix}*", count=500)]

    def clean(self) -> None:
        """Delete the run's Redis keys and drop its results database."""
        import redis

        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=self.redis_db, socket_connect_timeout=3)
        keys = list(client.scan_iter(match=f"{self.prefix}*", count=500))
        if keys:
            client.delete(*keys)
        if self._created:
            self.server.drop(self.results)
            self._created = False
