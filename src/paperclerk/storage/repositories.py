"""One import for every repository function (each takes an open `Session`).

The functions live in small modules by subject: `workspaces` (workspaces, API keys),
`users` (review UI accounts), `documents` (document rows) and `policies` (workspace
overrides of the decision policy). None of them commits: the caller owns the transaction,
so a document row and its job commit together.
"""

from __future__ import annotations

from paperclerk.storage.documents import (
    DocumentPage,
    blob_in_use,
    create_document,
    decode_cursor,
    delete_document,
    encode_cursor,
    get_document,
    list_documents,
    set_progress,
)
from paperclerk.storage.policies import (
    clear_policy_override,
    effective_policy,
    get_policy_override,
    set_policy_override,
)
from paperclerk.storage.users import (
    add_user_to_workspace,
    create_user,
    get_user,
    get_user_by_email,
    user_workspace_ids,
    verify_user,
)
from paperclerk.storage.workspaces import (
    NewApiKey,
    authenticate,
    create_api_key,
    create_workspace,
    get_workspace,
    get_workspace_by_name,
    list_api_keys,
    list_workspaces,
    parse_key,
    revoke_key,
)

__all__ = [
    "DocumentPage",
    "NewApiKey",
    "add_user_to_workspace",
    "authenticate",
    "blob_in_use",
    "clear_policy_override",
    "create_api_key",
    "create_document",
    "create_user",
    "create_workspace",
    "decode_cursor",
    "delete_document",
    "effective_policy",
    "encode_cursor",
    "get_document",
    "get_policy_override",
    "get_user",
    "get_user_by_email",
    "get_workspace",
    "get_workspace_by_name",
    "list_api_keys",
    "list_documents",
    "list_workspaces",
    "parse_key",
    "revoke_key",
    "set_policy_override",
    "set_progress",
    "user_workspace_ids",
    "verify_user",
]
