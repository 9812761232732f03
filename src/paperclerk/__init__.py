"""paperclerk: back-office document automation — document in, typed, checked JSON out."""

from paperclerk.errors import PaperclerkError
from paperclerk.model import DocType, Document

__version__ = "0.1.0"

__all__ = ["DocType", "Document", "PaperclerkError", "__version__"]
