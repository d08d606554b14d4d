"""Development tools that are not part of the app (import-linter contracts)."""
