"""Checks on multipart uploads that apply to every route taking a `file` part."""

from __future__ import annotations

from fastapi import Request

from paperclerk.web.errors import ApiError

FILE_PART = "file"


async def one_file_part(request: Request) -> None:
    """Refuse (422 `multiple_files`) a multipart body with more than one `file` part.

    Without this the last part would silently win. The form is the one the route parses
    (Starlette keeps it on the request), so nothing is read twice.
    """
    content_type = request.headers.get("content-type", "")
    if request.method != "POST" or not content_type.startswith("multipart/form-data"):
        return
    parts = (await request.form()).getlist(FILE_PART)
    if len(parts) > 1:
        raise ApiError(
            422,
            "multiple_files",
            f"send one document per request: this one has {len(parts)} '{FILE_PART}' parts",
        )
