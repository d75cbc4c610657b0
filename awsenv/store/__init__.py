"""awsenv's own state on disk: the credential cache, the locks, crash-safe replacement."""
