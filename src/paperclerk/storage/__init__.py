"""App database, repositories, blob store and migrations of `paperclerk serve`.

`database_url` picks the database (SQLite in the data dir unless
`PAPERCLERK_DATABASE_URL` is set), `migrate.upgrade` brings it to the newest schema,
`make_engine`/`make_session_factory` open it, and `repositories` holds the queries.
"""

from paperclerk.storage.blobs import BlobNotFoundError, BlobStore
from paperclerk.storage.columns import DeliveryStatus, DocumentStatus, JobStatus, Lane, Role
from paperclerk.storage.db import database_url, make_engine, make_session_factory, session_scope
from paperclerk.storage.errors import (
    ConflictError,
    InvalidCursorError,
    InvalidRequestError,
    NotFoundError,
)
from paperclerk.storage.migrate import upgrade
from paperclerk.storage.tables import (
    ApiKey,
    DocumentRow,
    Job,
    User,
    UserWorkspace,
    Webhook,
    WebhookDelivery,
    Workspace,
)

__all__ = [
    "ApiKey",
    "BlobNotFoundError",
    "BlobStore",
    "ConflictError",
    "DeliveryStatus",
    "DocumentRow",
    "DocumentStatus",
    "InvalidCursorError",
    "InvalidRequestError",
    "Job",
    "JobStatus",
    "Lane",
    "NotFoundError",
    "Role",
    "User",
    "UserWorkspace",
    "Webhook",
    "WebhookDelivery",
    "Workspace",
    "database_url",
    "make_engine",
    "make_session_factory",
    "session_scope",
    "upgrade",
]
