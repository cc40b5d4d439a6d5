"""Benchmarks of airflow-provider-wolkvox against hand-written baselines: ``python -m benchmarks``."""
