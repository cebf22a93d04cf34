"""The ``cauce`` command line: a thin face over the services."""
