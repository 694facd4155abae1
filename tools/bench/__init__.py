"""Benchmarks of the cells control plane on the real stack (see ``run``)."""
