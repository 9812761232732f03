"""Allow `python -m paperclerk`."""

from paperclerk.cli import main

main()
