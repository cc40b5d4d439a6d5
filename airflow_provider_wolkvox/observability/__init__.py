"""What a finished task tells the deployment: metrics, asset events, OpenLineage."""
