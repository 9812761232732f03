"""The HTTP API (and later the review UI) served by `paperclerk serve`."""
