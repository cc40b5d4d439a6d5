"""A fetch's request windows, combined per key on local disk while the next one is asked for."""

from airflow_provider_wolkvox._moved import moved_names

__getattr__ = moved_names(
    __name__,
    {name: f"{__name__}.store.{name}" for name in ("CANCEL_CHECK_STEPS", "Staging", "StagingCancelled")},
)
