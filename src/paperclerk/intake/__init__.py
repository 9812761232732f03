"""Intake: documents that arrive by other ways than the API, submitted the way it does.

`submit_bytes` is the shared path (typed input check, blob first, then document row and
job in one transaction); `FolderIntake` watches a folder and submits what appears in it;
`MailboxIntake` polls an IMAP folder and submits the attachments of new messages.
"""

from paperclerk.intake.folder import FolderIntake, watch_folder
from paperclerk.intake.mailbox import MailboxAccount, MailboxIntake, watch_mailbox
from paperclerk.intake.submit import (
    IntakeResources,
    SubmitResources,
    Submitted,
    ensure_workspace,
    folder_submitter,
    submit_bytes,
)

__all__ = [
    "FolderIntake",
    "IntakeResources",
    "MailboxAccount",
    "MailboxIntake",
    "SubmitResources",
    "Submitted",
    "ensure_workspace",
    "folder_submitter",
    "submit_bytes",
    "watch_folder",
    "watch_mailbox",
]
