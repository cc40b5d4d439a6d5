"""Apache Airflow provider for the Wolkvox Reports Manager API."""

__version__ = "0.1.0"
