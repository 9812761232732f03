"""Ingest: turn input bytes into pages of pixels (and PDF text layers) safely."""

from paperclerk.ingest.load import load_bytes, load_path
from paperclerk.ingest.sniff import SUPPORTED_MEDIA_TYPES, sniff_media_type
from paperclerk.ingest.types import IngestedFile, RawPage, TextLayerWord

__all__ = [
    "SUPPORTED_MEDIA_TYPES",
    "IngestedFile",
    "RawPage",
    "TextLayerWord",
    "load_bytes",
    "load_path",
    "sniff_media_type",
]
