"""``python -m airflow_provider_wolkvox pools sync|list|plan``: ``airflow wolkvox`` where Airflow lacks it."""

from airflow_provider_wolkvox.cli import main

if __name__ == "__main__":
    main(prog="python -m airflow_provider_wolkvox")
