"""The typed errors of invoice payment approvals (each a stable code and HTTP status)."""

from __future__ import annotations

from paperclerk.errors import InputError, PaperclerkError


class ApprovalNotFoundError(PaperclerkError):
    """No approval request (or delegation) with this id in the workspace."""

    code = "approval_not_found"
    exit_code = 2
    http_status = 404


class ApprovalConflictError(PaperclerkError):
    """The request was decided already, or the step named is not the one that waits."""

    code = "approval_conflict"
    exit_code = 2
    http_status = 409


class NotApproverError(PaperclerkError):
    """The user is neither an approver of the current step nor an approver's active delegate."""

    code = "not_approver"
    exit_code = 2
    http_status = 403


class NotAMemberError(PaperclerkError):
    """The user exists but is not a member of the workspace."""

    code = "not_a_member"
    exit_code = 2
    http_status = 403


class UnknownUserError(InputError):
    """No user has this email address."""

    code = "unknown_user"


class ApprovalInputError(InputError):
    """A decision or delegation is malformed (empty reason, window that ends before it starts)."""

    code = "invalid_approval_request"
