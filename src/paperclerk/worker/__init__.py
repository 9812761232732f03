"""Workers: the task that processes one queued document, and the processes that run it."""
