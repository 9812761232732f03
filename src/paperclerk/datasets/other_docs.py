"""Real documents that are none of the known types (`other`), from what every install carries.

No download: every source is a file that a machine set up by `scripts/setup.sh` has, read at
training time. A source missing on a machine is skipped (the training report's counts per
source show it), never an error. Sources (source id: where from; what it is):
- `licence`: `/usr/share/common-licenses/*` (Debian `base-files`, on every Debian); licences.
- `debian-doc`: `/usr/share/doc/<pkg>/` of the Debian packages `setup.sh` installs (Dovecot,
  Tesseract, Chromium, DejaVu fonts): READMEs, NEWS, TODO, copyright files, and an evenly
  spread `MAX_WIKI_PAGES` of Dovecot's wiki pages; manuals and notes.
- `man`: `MAX_MAN_PAGES` man pages of those packages (`/usr/share/man/man[1-8]/`), roff
  turned into text here (no groff needed).
- `python-doc`: the README (METADATA body) and licence files of the pinned Python packages
  the project depends on (`importlib.metadata.requires("paperclerk")`).
- `dataset-card`: scikit-learn's data-set descriptions (`sklearn/datasets/descr/*.rst`),
  reports with tables of figures.
- `table`: matplotlib's sample CSV tables (stock prices; dev install only).
- `icao-text` / `icao-ocr` (read in `doctype_data.other_items`): the ICAO Doc 9303 PDFs in
  `../shared/reference/icao9303/` (a specification): text layer of every third page, and
  every ninth page rasterised and OCR'd (cached).

Text is laid out as pages with `pages.layout.text_page`: one page of at most `PAGE_LINES`
lines per example; a long file gives at most `CHUNKS_PER_FILE` examples (a licence one),
which share the file's id so that cross-validation and the train/validation split keep them
together. Specification pages that print a machine-readable zone (a line with `<<`) are
left out: such a page shows a specimen passport, and calling it `other` would blur the
identity type.
"""

from __future__ import annotations

import gzip
import importlib.metadata as metadata
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from paperclerk.model import Page
from paperclerk.pages.layout import text_page

PAGE_LINES = 60
WRAP = 110
CHUNKS_PER_FILE = 2
DEBIAN_PACKAGES = ("dovecot-core", "tesseract-ocr", "chromium", "fonts-dejavu-core")
MAN_PREFIXES = (
    "tesseract",
    "text2image",
    "lstm",
    "unichar",
    "combine_",
    "dove",
    "chromium",
    "sieve",
    "wordlist2dawg",
    "cntraining",
    "mftraining",
    "shapeclustering",
)
MAX_WIKI_PAGES = 60
MAX_MAN_PAGES = 40
MRZ_LINE = re.compile(r"[A-Z0-9<]{5,}<<")
ROFF_ESCAPE = re.compile(r"\\f[BIRP0-9]|\\f\(..|\\\*\(..|\\\*.|\\[&|^%]|\\s[-+]?\d")


@dataclass(frozen=True)
class TextDoc:
    """One real text document: a stable id (`source/name`), its group and its text."""

    source: str
    name: str
    text: str

    @property
    def doc_id(self) -> str:
        """The id the train/validation split hashes: `other/<source>/<name>`."""
        return f"other/{self.source}/{self.name}"


def read_text(path: Path) -> str:
    """Return a text file's content, gunzipped when it ends in .gz; undecodable bytes replaced."""
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def roff_to_text(source: str) -> str:
    r"""Return the readable text of a man page written in roff (no groff needed).

    Section headings (`.SH`, `.SS`) and text of font macros (`.B`, `.I`, `.BR` …) are kept,
    other requests are dropped, and inline escapes (`\fB`, `\-`, `\(em` …) are resolved.
    """
    out: list[str] = []
    for raw in source.splitlines():
        line = raw.rstrip()
        if line.startswith(('.\\"', "'\\\"")):
            continue
        if line.startswith((".", "'")):
            macro, _, rest = line[1:].partition(" ")
            if macro in ("SH", "SS"):
                out.extend(["", rest.strip('"').upper() if macro == "SH" else rest.strip('"')])
            elif macro in ("B", "I", "BR", "BI", "IR", "RI", "IB", "RB", "TP", "IP", "UR"):
                text = rest.replace('"', "")
                if text.strip():
                    out.append(text)
            elif macro in ("PP", "P", "LP", "sp", "br"):
                out.append("")
            continue
        line = ROFF_ESCAPE.sub("", line).replace("\\-", "-").replace("\\(em", "—")
        out.append(line.replace("\\e", "\\").replace("\\ ", " ").replace("\\", ""))
    return "\n".join(out)


def wrap_lines(text: str, width: int = WRAP) -> list[str]:
    """Return the text's lines, long ones wrapped at spaces; tabs become spaces."""
    out: list[str] = []
    for raw in text.expandtabs(4).splitlines():
        line = raw.rstrip()
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            cut = cut if cut > width // 3 else width
            out.append(line[:cut])
            line = line[cut:].lstrip()
        out.append(line)
    return out


def text_chunks(text: str, limit: int = CHUNKS_PER_FILE, min_letter_lines: int = 5) -> list[str]:
    """Cut a text into page-sized chunks of `PAGE_LINES` lines; the first `limit` with words.

    Runs of blank lines are squeezed to one, and chunks with fewer than `min_letter_lines`
    lines holding a word are dropped (a page of that would tell nothing).
    """
    lines: list[str] = []
    for line in wrap_lines(text):
        if line.strip() or (lines and lines[-1].strip()):
            lines.append(line)
    chunks: list[str] = []
    for start in range(0, len(lines), PAGE_LINES):
        chunk = lines[start : start + PAGE_LINES]
        if sum(1 for line in chunk if re.search(r"[A-Za-z]{3}", line)) >= min_letter_lines:
            chunks.append("\n".join(chunk))
        if len(chunks) >= limit:
            break
    return chunks


def _every(paths: list[Path], cap: int) -> list[Path]:
    """Return at most `cap` of the sorted paths, evenly spread (deterministic)."""
    paths = sorted(paths)
    if len(paths) <= cap:
        return paths
    step = len(paths) / cap
    return [paths[int(i * step)] for i in range(cap)]


def licence_docs(root: Path = Path("/usr/share/common-licenses")) -> Iterator[TextDoc]:
    """Yield Debian's common licence texts (GPL, Apache-2.0, MPL …)."""
    if root.is_dir():
        for path in sorted(p for p in root.iterdir() if p.is_file() and not p.is_symlink()):
            yield TextDoc("licence", path.name, read_text(path))


def debian_doc_docs(root: Path = Path("/usr/share/doc")) -> Iterator[TextDoc]:
    """Yield the READMEs, NEWS and wiki pages of the Debian packages `setup.sh` installs."""
    for package in DEBIAN_PACKAGES:
        folder = root / package
        if not folder.is_dir():
            continue
        top = [
            p
            for p in folder.iterdir()
            if p.is_file() and re.match(r"(README|NEWS|TODO|copyright|.*\.txt)", p.name)
        ]
        wiki = [p for p in (folder / "wiki").glob("*.txt*") if p.is_file()]
        for path in sorted(top) + _every(wiki, MAX_WIKI_PAGES):
            yield TextDoc("debian-doc", f"{package}/{path.relative_to(folder)}", read_text(path))


def man_docs(root: Path = Path("/usr/share/man")) -> Iterator[TextDoc]:
    """Yield the man pages of the installed Debian packages (Tesseract, Dovecot, Chromium)."""
    pages = [
        p
        for p in root.glob("man[1-8]/*")
        if p.is_file() and not p.is_symlink() and p.name.startswith(MAN_PREFIXES)
    ]
    for path in _every(pages, MAX_MAN_PAGES):
        yield TextDoc("man", path.name, roff_to_text(read_text(path)))


def _pinned_distributions() -> list[str]:
    """Return the names of the packages paperclerk pins (its dependencies and dev extras)."""
    try:
        requires = metadata.requires("paperclerk") or []
    except metadata.PackageNotFoundError:
        return []
    return sorted({re.split(r"[\[=<>;! ]", r, maxsplit=1)[0] for r in requires})


def python_doc_docs() -> Iterator[TextDoc]:
    """Yield the README and licence files of the pinned Python packages that are installed."""
    for name in _pinned_distributions():
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        body = (dist.read_text("METADATA") or "").partition("\n\n")[2]
        if body.strip():
            yield TextDoc("python-doc", f"{name}/README", body)
        for file in dist.files or []:
            if re.search(r"(LICEN[CS]E|COPYING|NOTICE)[^/]*$", file.name, re.I):
                path = Path(str(file.locate()))
                if path.is_file() and path.stat().st_size < 200_000:
                    yield TextDoc("python-doc", f"{name}/{file.name}", read_text(path))


def dataset_card_docs() -> Iterator[TextDoc]:
    """Yield scikit-learn's data-set descriptions (prose with tables of figures)."""
    try:
        import sklearn.datasets
    except ImportError:  # pragma: no cover - a dependency
        return
    folder = Path(sklearn.datasets.__file__).parent / "descr"
    for path in sorted(folder.glob("*.rst")):
        yield TextDoc("dataset-card", path.stem, read_text(path))


def table_docs() -> Iterator[TextDoc]:
    """Yield matplotlib's sample CSV tables as aligned columns (dev install only)."""
    try:
        import matplotlib
    except ImportError:
        return
    folder = Path(matplotlib.__file__).parent / "mpl-data" / "sample_data"
    for path in sorted(folder.glob("*.csv")):
        rows = [line.split(",") for line in read_text(path).splitlines()[:PAGE_LINES]]
        widths = [max(len(r[i]) for r in rows if i < len(r)) for i in range(max(map(len, rows)))]
        text = "\n".join("  ".join(c.rjust(widths[i]) for i, c in enumerate(r)) for r in rows)
        yield TextDoc("table", path.stem, text)


TEXT_SOURCES: dict[str, Callable[[], Iterator[TextDoc]]] = {
    "licence": licence_docs,
    "debian-doc": debian_doc_docs,
    "man": man_docs,
    "python-doc": python_doc_docs,
    "dataset-card": dataset_card_docs,
    "table": table_docs,
}


def text_documents() -> Iterator[tuple[TextDoc, int, Page]]:
    """Yield (document, chunk number, page) for every text source that is present."""
    for source in TEXT_SOURCES.values():
        for doc in source():
            limit = 1 if "LICEN" in doc.name.upper() or doc.source == "licence" else 2
            floor = 1 if doc.source == "table" else 5
            for n, chunk in enumerate(text_chunks(doc.text, limit, floor)):
                yield doc, n, text_page(chunk)


def icao_pdfs(shared_data: Path) -> list[Path]:
    """Return the ICAO Doc 9303 PDFs beside the shared data (`../reference/icao9303`)."""
    folder = shared_data.parent / "reference" / "icao9303"
    return sorted(folder.glob("*.pdf")) if folder.is_dir() else []


def has_mrz(page: Page) -> bool:
    """Whether a page prints a machine-readable-zone line (a specimen passport)."""
    return any(MRZ_LINE.search(line.text.replace(" ", "")) for line in page.lines)
