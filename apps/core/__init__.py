"""Shared plumbing: errors, ids, JSON over HTTP, Redis and the DB thread pool."""
