"""Organisations, staff and their credentials; resolving who is calling."""
