"""Turn raw bytes or a file path into an IngestedFile: sniffed, hashed, decoded pages.

This is the single entry point for input documents. It enforces the byte limit before
anything is decoded, sniffs the type from magic bytes and hands off to the PDF or raster
decoder; every refusal is a typed InputError with a message a user can act on.

`check_bytes` is the cheap check for intake (the API, folder, mailbox): the same size,
type, page and pixel limits from magic bytes, the PDF structure and image headers, with no
page rendered or decoded, so a document is decoded once, by the worker.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from paperclerk.errors import InputError, LimitExceededError
from paperclerk.ingest.pdf import check_pdf, embedded_e_invoice, load_pdf, load_pdf_page
from paperclerk.ingest.raster import check_raster, load_raster
from paperclerk.ingest.sniff import PDF, XML, sniff_media_type
from paperclerk.ingest.types import CheckedFile, IngestedFile, RawPage
from paperclerk.settings import Settings, get_settings


def load_bytes(data: bytes, *, settings: Settings | None = None) -> IngestedFile:
    """Sniff, hash and decode an input document given as bytes.

    Raises EmptyInputError, UnsupportedMediaTypeError, CorruptInputError,
    EncryptedInputError or LimitExceededError (all InputError) when it cannot be used.
    """
    settings = settings or get_settings()
    _check_size(len(data), settings)
    media_type = sniff_media_type(data)
    e_invoice_xml: bytes | None = None
    if media_type == XML:
        # An e-invoice XML has no pages: the pipeline reads its fields from the XML.
        pages: list[RawPage] = []
        e_invoice_xml = data
    elif media_type == PDF:
        pages = load_pdf(data, settings)
        e_invoice_xml = embedded_e_invoice(data)
    else:
        pages = [
            RawPage(index=i, image=image)
            for i, image in enumerate(load_raster(data, media_type, settings))
        ]
    return IngestedFile(
        media_type=media_type,
        sha256=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        pages=pages,
        e_invoice_xml=e_invoice_xml,
    )


def load_page(
    data: bytes, index: int, *, settings: Settings | None = None
) -> tuple[int, RawPage | None]:
    """Return a document's page count and its page `index` decoded (None: no such page).

    A PDF renders that page only, at the scale `load_bytes` would use; an image is decoded
    whole. Raises the same typed InputErrors as `load_bytes`.
    """
    settings = settings or get_settings()
    _check_size(len(data), settings)
    media_type = sniff_media_type(data)
    if media_type == XML:
        return 0, None
    if media_type == PDF:
        return load_pdf_page(data, index, settings)
    images = load_raster(data, media_type, settings)
    page = RawPage(index=index, image=images[index]) if 0 <= index < len(images) else None
    return len(images), page


def check_bytes(data: bytes, *, settings: Settings | None = None) -> CheckedFile:
    """Check that bytes are a document `load_bytes` accepts, without decoding its pages.

    Enforces the byte limit, sniffs the type, opens the PDF structure or reads the image
    headers, and applies the page and pixel limits; raises the same typed InputErrors as
    `load_bytes`. A file damaged inside its page data passes and fails when decoded.
    """
    settings = settings or get_settings()
    _check_size(len(data), settings)
    media_type = sniff_media_type(data)
    if media_type == XML:
        pages = 0
    elif media_type == PDF:
        pages = check_pdf(data, settings)
    else:
        pages = check_raster(data, media_type, settings)
    return CheckedFile(media_type=media_type, pages=pages)


def load_path(path: Path, *, settings: Settings | None = None) -> IngestedFile:
    """Read a file and ingest it like `load_bytes`.

    A missing, unreadable or directory path is an InputError naming the path; a file
    over the byte limit is refused before it is read.
    """
    settings = settings or get_settings()
    path = Path(path)
    try:
        if path.is_dir():
            raise InputError(f"{path} is a directory, not a document file.")
        size = path.stat().st_size
        if path.is_file():
            _check_size(size, settings)
        with path.open("rb") as fh:
            # Read one byte past the limit so a file that grew (or a pipe) is still caught.
            data = fh.read(settings.max_bytes + 1)
    except FileNotFoundError as exc:
        raise InputError(f"File not found: {path}") from exc
    except PermissionError as exc:
        raise InputError(f"Permission denied reading {path}") from exc
    except IsADirectoryError as exc:
        raise InputError(f"{path} is a directory, not a document file.") from exc
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}") from exc
    return load_bytes(data, settings=settings)


def _check_size(size: int, settings: Settings) -> None:
    if size > settings.max_bytes:
        raise LimitExceededError(
            f"The file is {size:,} bytes; at most {settings.max_bytes:,} bytes are accepted."
        )
