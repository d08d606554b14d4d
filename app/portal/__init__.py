"""The speaker portal: a speaker's own pages, opened with the personal link the organisers send."""
