"""The Wolkvox view in the Airflow UI (Airflow 3.1+): an Airflow plugin the provider ships."""
