"""One Airflow pool of one slot per Wolkvox connection: its name, the policy, the listener."""

from airflow_provider_wolkvox._moved import moved_names
from airflow_provider_wolkvox.pools import naming

__getattr__ = moved_names(__name__, {name: f"{__name__}.naming.{name}" for name in naming.__all__})
