"""Intake: documents that arrive by other ways than the API, submitted the way it does.

`submit_bytes` is the shared path (typed input check, blob first, then document row and
job in one transaction); `FolderIntake` watches a folder and submits what appears in it.
"""

from paperclerk.intake.folder import FolderIntake, watch_folder
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
    "SubmitResources",
    "Submitted",
    "ensure_workspace",
    "folder_submitter",
    "submit_bytes",
    "watch_folder",
]
