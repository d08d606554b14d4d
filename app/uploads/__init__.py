"""Files people send us: receiving an upload as a stream within its limits, telling what it really is
(content sniffing, not the name or the declared type), and storing it (local folder or S3)."""
