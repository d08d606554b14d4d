"""Importing a programme from a frab schedule file (pretalx, frab, c3voc): read, check, preview, write."""
