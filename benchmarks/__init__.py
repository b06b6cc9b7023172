"""Benchmarks of the contract run (`make bench`); not part of the installed package."""
