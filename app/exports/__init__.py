"""Exports of the public programme: files that other tools read (calendars first)."""
