"""Validate UBL 2.1 and UN/CEFACT CII e-invoices against the official EN 16931 rules.

The rules are the official CEN/TC 434 validation artefacts (ConnectingEurope eInvoicing-EN16931,
compiled Schematron as XSLT, producing SVRL), shipped with the package under `en16931/` (EUPL-1.2,
see the README there). `PAPERCLERK_EN16931_DIR` points to another folder holding
`EN16931-UBL-validation.xslt` and `EN16931-CII-validation.xslt` (a newer release, say).

They run in saxonche (Saxon-HE, XSLT 3.0). Each stylesheet is compiled once per process and
cached. The input is parsed first with a hardened lxml parser (no DTD, no entities, no network)
and only the re-serialised tree is handed to Saxon, whose configuration allows no URI protocol at
all: neither the document nor the stylesheet can make Saxon read a file or reach the network.

`validate_en16931` never raises: every failed assertion becomes a `Finding`
(`en16931.<rule id>`), and a validation that could not run becomes one finding saying so.
`run_en16931` is the lower-level call that returns the raw report or raises a typed error.
"""

from __future__ import annotations

import os
import re
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from lxml import etree

from paperclerk.einvoice import safe_xml
from paperclerk.errors import InputError, PaperclerkError
from paperclerk.model.decision import Finding, Severity

ENV_DIR = "PAPERCLERK_EN16931_DIR"
"""Environment variable naming a folder with the two EN 16931 XSLT files (overrides the bundled)."""

BUNDLED_DIR = Path(__file__).resolve().parent / "en16931"
"""The EN 16931 XSLT shipped with paperclerk (package data)."""

NS_UBL_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_UBL_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CII = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS_SVRL = "http://purl.oclc.org/dsdl/svrl"

_SAXON_DENY_ALL_PROTOCOLS = "http://saxon.sf.net/feature/allowedProtocols"


class Syntax(StrEnum):
    """The XML syntax of an EN 16931 e-invoice."""

    UBL = "ubl"
    CII = "cii"


STYLESHEETS: dict[Syntax, str] = {
    Syntax.UBL: "EN16931-UBL-validation.xslt",
    Syntax.CII: "EN16931-CII-validation.xslt",
}
"""File name of the validation XSLT of each syntax."""


class ValidationUnavailableError(PaperclerkError):
    """The EN 16931 validation cannot run here (XSLT missing, Saxon broken)."""

    code = "en16931_unavailable"
    http_status = 503


class NotAnEInvoiceError(InputError):
    """The bytes are not well-formed XML, or not a UBL 2.1 / CII D16B invoice."""

    code = "not_an_einvoice"


class ValidationRunError(PaperclerkError):
    """Saxon failed while validating this document (the stylesheet itself compiled)."""

    code = "en16931_run_failed"


@dataclass(frozen=True)
class FailedAssert:
    """One failed Schematron assertion of the SVRL report."""

    rule_id: str
    flag: str
    text: str
    location: str
    test: str = ""

    @property
    def severity(self) -> Severity:
        """Map the Schematron flag to a finding severity: fatal → error, anything else → info.

        EN 16931 warnings do not make an invoice invalid, so they are shown to a person
        but do not hold the invoice back; a fatal rule does.
        """
        if self.flag == "fatal":
            return Severity.ERROR
        return Severity.INFO


@dataclass(frozen=True)
class ValidationReport:
    """What the EN 16931 XSLT said about one document."""

    syntax: Syntax
    failed: list[FailedAssert] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def fatal_ids(self) -> set[str]:
        """Rule ids of the fatal failed assertions (the ones that make the invoice invalid)."""
        return {f.rule_id for f in self.failed if f.flag == "fatal"}

    @property
    def warning_ids(self) -> set[str]:
        """Rule ids of the failed assertions flagged `warning`."""
        return {f.rule_id for f in self.failed if f.flag == "warning"}

    @property
    def valid(self) -> bool:
        """Whether no fatal assertion failed."""
        return not self.fatal_ids


def stylesheet_dir() -> Path:
    """Return the folder the XSLT is read from: `$PAPERCLERK_EN16931_DIR` or the bundled copy."""
    configured = os.environ.get(ENV_DIR, "").strip()
    return Path(configured).expanduser() if configured else BUNDLED_DIR


def _safe_parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=False,
    )


def _parse(data: bytes) -> Any:
    """Parse untrusted XML with the hardened parser of `safe_xml`; return the root element."""
    try:
        return safe_xml.parse_xml(data)
    except InputError as exc:
        raise NotAnEInvoiceError(exc.message) from exc


def _syntax_of_root(root: Any) -> Syntax:
    qname = etree.QName(root)
    if qname.namespace in (NS_UBL_INVOICE, NS_UBL_CREDIT_NOTE) and qname.localname in (
        "Invoice",
        "CreditNote",
    ):
        return Syntax.UBL
    if qname.namespace == NS_CII and qname.localname == "CrossIndustryInvoice":
        return Syntax.CII
    raise NotAnEInvoiceError(
        f"The root element {{{qname.namespace}}}{qname.localname} is neither a UBL 2.1 "
        "Invoice/CreditNote nor a CII CrossIndustryInvoice (ZUGFeRD 1.0 is not EN 16931)."
    )


def detect_syntax(data: bytes) -> Syntax:
    """Tell UBL from CII by the root element, so the matching XSLT is chosen.

    Raises NotAnEInvoiceError for XML that is malformed or of another kind.
    """
    return _syntax_of_root(_parse(data))


class _Engine:
    """One Saxon processor per process, one compiled executable per syntax (compiling is slow)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.processor: Any = None
        self.executables: dict[tuple[Syntax, Path], Any] = {}
        self.compile_seconds: dict[Syntax, float] = {}

    def _processor(self) -> Any:
        if self.processor is None:
            try:
                from saxonche import PySaxonProcessor
            except ImportError as exc:  # pragma: no cover - pinned dependency
                raise ValidationUnavailableError("saxonche is not installed.") from exc
            processor = PySaxonProcessor(license=False)
            # No protocol at all: the stylesheet is compiled from text and the document is
            # handed over as text, so Saxon never needs to open a URI (file or network).
            processor.set_configuration_property(_SAXON_DENY_ALL_PROTOCOLS, "")
            self.processor = processor
        return self.processor

    def executable(self, syntax: Syntax) -> Any:
        """Return the compiled stylesheet of `syntax`, compiling it on first use."""
        folder = stylesheet_dir()
        key = (syntax, folder)
        if key in self.executables:
            return self.executables[key]
        path = folder / STYLESHEETS[syntax]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ValidationUnavailableError(
                f"The EN 16931 {syntax.value.upper()} validation XSLT is missing ({path}); "
                f"set {ENV_DIR} to a folder holding {STYLESHEETS[syntax]}."
            ) from exc
        started = time.perf_counter()
        try:
            compiler = self._processor().new_xslt30_processor()
            executable = compiler.compile_stylesheet(stylesheet_text=text)
        except ValidationUnavailableError:
            raise
        except Exception as exc:
            raise ValidationUnavailableError(
                f"The EN 16931 {syntax.value.upper()} XSLT ({path}) does not compile: {exc}"
            ) from exc
        if executable is None:
            raise ValidationUnavailableError(f"The EN 16931 XSLT ({path}) does not compile.")
        self.compile_seconds[syntax] = time.perf_counter() - started
        self.executables[key] = executable
        return executable

    def transform(self, syntax: Syntax, xml_text: str) -> tuple[str, float]:
        """Run the XSLT of `syntax` over a document given as text; return the SVRL and seconds.

        The seconds count the transformation only, not the one-off compilation.
        """
        with self.lock:
            executable = self.executable(syntax)
            started = time.perf_counter()
            try:
                node = self._processor().parse_xml(xml_text=xml_text)
                svrl = executable.transform_to_string(xdm_node=node)
            except Exception as exc:
                raise ValidationRunError(f"Saxon failed on this document: {exc}") from exc
        if not svrl:
            raise ValidationRunError("Saxon returned no SVRL report for this document.")
        return str(svrl), time.perf_counter() - started


_ENGINE = _Engine()


def warm_up(syntaxes: tuple[Syntax, ...] = (Syntax.UBL, Syntax.CII)) -> dict[Syntax, float]:
    """Compile the stylesheets now (not on the first document) and return their compile seconds.

    Raises ValidationUnavailableError when a stylesheet is missing or broken.
    """
    with _ENGINE.lock:
        for syntax in syntaxes:
            _ENGINE.executable(syntax)
        return dict(_ENGINE.compile_seconds)


def compile_seconds() -> dict[Syntax, float]:
    """Seconds each stylesheet took to compile in this process (only those compiled so far)."""
    return dict(_ENGINE.compile_seconds)


def parse_svrl(svrl: str | bytes) -> list[FailedAssert]:
    """Read the failed assertions (and successful reports) of an SVRL document.

    The SVRL is parsed with the same hardened lxml parser as the input.
    """
    data = svrl.encode("utf-8") if isinstance(svrl, str) else svrl
    try:
        root = etree.fromstring(data, parser=_safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise ValidationRunError(f"The SVRL report is not well-formed: {exc}") from exc
    out: list[FailedAssert] = []
    for element in root.iter(f"{{{NS_SVRL}}}failed-assert", f"{{{NS_SVRL}}}successful-report"):
        text_el = element.find(f"{{{NS_SVRL}}}text")
        text = " ".join("".join(text_el.itertext()).split()) if text_el is not None else ""
        out.append(
            FailedAssert(
                rule_id=(element.get("id") or "").strip() or "unknown",
                flag=(element.get("flag") or "").strip().lower(),
                text=text,
                location=element.get("location") or "",
                test=element.get("test") or "",
            )
        )
    return out


def run_en16931(data: bytes) -> ValidationReport:
    """Validate one UBL or CII e-invoice and return the parsed SVRL report.

    Raises NotAnEInvoiceError (input is not UBL/CII), ValidationUnavailableError (no XSLT or no
    working Saxon) or ValidationRunError (Saxon failed on this document).
    """
    root = _parse(data)
    syntax = _syntax_of_root(root)
    xml_text = etree.tostring(root, encoding="unicode")
    svrl, seconds = _ENGINE.transform(syntax, xml_text)
    return ValidationReport(syntax=syntax, failed=parse_svrl(svrl), seconds=seconds)


_PREDICATE = re.compile(r"\[namespace-uri\(\)='[^']*'\]")
_PREFIX = re.compile(r"\*:|\b[A-Za-z][\w.-]*:(?=[A-Za-z_])")
_FIRST = re.compile(r"\[1\]")


def readable_location(location: str) -> str:
    """Shorten an SVRL XPath to element names, e.g. `/Invoice/LegalMonetaryTotal`.

    The XSLT writes `/*:Invoice[namespace-uri()='urn:…'][1]/…`; namespaces and `[1]` say
    nothing to a reader, while `[2]` (the second line, say) is kept.
    """
    short = _PREDICATE.sub("", location)
    short = _PREFIX.sub("", short)
    return _FIRST.sub("", short)


_TEXT_PREFIX = re.compile(r"^\s*\[[^\]]+\]\s*-?\s*")


def finding_for(failed: FailedAssert, index: int) -> Finding:
    """Turn one failed assertion into a finding: rule id, severity from the flag, plain message."""
    message = _TEXT_PREFIX.sub("", failed.text).strip() or f"Assertion failed: {failed.test}"
    where = readable_location(failed.location)
    return Finding(
        id=f"en16931-{index}",
        rule_id=f"en16931.{failed.rule_id}",
        severity=failed.severity,
        passed=False,
        message=f"{failed.rule_id}: {message}" + (f" (at {where})" if where else ""),
    )


def findings_from_report(report: ValidationReport) -> list[Finding]:
    """Return one finding per failed assertion of a report, in SVRL order."""
    return [finding_for(failed, i) for i, failed in enumerate(report.failed, start=1)]


def validate_en16931(data: bytes) -> list[Finding]:
    """Validate an e-invoice against EN 16931 and return findings; never raises.

    A valid invoice gives no finding (or only warnings). When the check cannot run, one finding
    says why: `en16931.unavailable` (warning: the XSLT or Saxon is missing here) or
    `en16931.not_run` (error: the document is not a UBL/CII invoice or Saxon failed on it).
    """
    try:
        report = run_en16931(data)
    except ValidationUnavailableError as exc:
        return [
            Finding(
                id="en16931-unavailable",
                rule_id="en16931.unavailable",
                severity=Severity.WARNING,
                passed=False,
                message=f"EN 16931 validation unavailable: {exc.message}",
            )
        ]
    except (NotAnEInvoiceError, ValidationRunError) as exc:
        return [
            Finding(
                id="en16931-not-run",
                rule_id="en16931.not_run",
                severity=Severity.ERROR,
                passed=False,
                message=f"EN 16931 validation could not run: {exc.message}",
            )
        ]
    except Exception as exc:  # the contract is "never crash"
        return [
            Finding(
                id="en16931-not-run",
                rule_id="en16931.not_run",
                severity=Severity.ERROR,
                passed=False,
                message=f"EN 16931 validation could not run: {type(exc).__name__}: {exc}",
            )
        ]
    return findings_from_report(report)
