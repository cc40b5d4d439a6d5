"""Apache Airflow provider for the Wolkvox Reports Manager API."""

from airflow_provider_wolkvox import _moved

__version__ = "0.1.0"

_moved.install()
