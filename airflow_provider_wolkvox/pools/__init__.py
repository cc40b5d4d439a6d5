"""One Airflow pool of one slot per Wolkvox connection: its name, the policy, the listener."""

from airflow_provider_wolkvox._moved import moved_names

__getattr__ = moved_names(
    __name__,
    {
        name: f"{__name__}.naming.{name}"
        for name in (
            "MAX_POOL_NAME_LENGTH",
            "POOL_PREFIX",
            "POOL_SLOTS",
            "is_valid_pool_name",
            "pool_description",
            "pool_name",
        )
    },
)
