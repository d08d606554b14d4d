"""Every email the site sends: written to the database with the change that causes it, delivered by the
task queue with retries, and listed in the organisers' mail log."""
