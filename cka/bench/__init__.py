"""Benchmarks of the build, serve, the built site, search and validate (`make bench-*`)."""
