"""The HTTP API and the review UI served by `paperclerk serve`."""
