"""Visitors and their page views (tracks); presence from heartbeats; online lists."""
