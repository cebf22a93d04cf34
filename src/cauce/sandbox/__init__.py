"""Local HTTP emulators of the providers Cauce connects to.

Used by ``cauce sandbox``, ``cauce demo``, the test suite and the benchmarks.
Runtime code never imports this package (except the ``demo`` command).
"""
