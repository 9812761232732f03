"""Ingest: turn input bytes into pages of pixels (and PDF text layers) safely."""

from paperclerk.ingest.load import check_bytes, load_bytes, load_page, load_path
from paperclerk.ingest.sniff import SUPPORTED_MEDIA_TYPES, sniff_media_type
from paperclerk.ingest.types import CheckedFile, IngestedFile, RawPage, TextLayerWord

__all__ = [
    "SUPPORTED_MEDIA_TYPES",
    "CheckedFile",
    "IngestedFile",
    "RawPage",
    "TextLayerWord",
    "check_bytes",
    "load_bytes",
    "load_page",
    "load_path",
    "sniff_media_type",
]
