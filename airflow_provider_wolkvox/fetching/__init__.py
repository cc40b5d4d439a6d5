"""One interval fetched in the fewest legal requests, planned from the density earlier runs saw."""
