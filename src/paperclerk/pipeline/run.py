"""The pipeline: ingest → preprocess → ocr → classify → extract → validate → decide.

Pages are read (text layer or preprocessing and OCR) by `pages.read.read_page`, which the
training data sets share.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from paperclerk.einvoice.crosscheck import XmlValue, crosscheck_visible_text
from paperclerk.einvoice.detect import read_e_invoice
from paperclerk.einvoice.document import fill_document
from paperclerk.einvoice.validation import validate_en16931
from paperclerk.engines.base import OcrEngine
from paperclerk.engines.registry import get_engine
from paperclerk.extract.base import FieldExtractor
from paperclerk.extract.identity import find_mrz
from paperclerk.ingest import load_bytes
from paperclerk.ingest.types import IngestedFile
from paperclerk.learning.user_types import UserTypes
from paperclerk.model import DocType, Document, Finding, Page, Source
from paperclerk.model.fields import FieldSource
from paperclerk.model.personal import mark_personal
from paperclerk.pages.display import PageImageSink
from paperclerk.pages.read import read_page, timed
from paperclerk.pipeline.classify import classifier_version, classify_pages
from paperclerk.pipeline.decide import decide
from paperclerk.pipeline.extractors import extractor_for
from paperclerk.pipeline.policy import DecisionPolicy, TypePolicy, packaged_policy
from paperclerk.rules import run_rules
from paperclerk.rules.identity import identity_findings
from paperclerk.settings import get_settings


def analyse(
    doc: Document,
    timings: dict[str, float],
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
    user_types: UserTypes | None = None,
) -> Document:
    """Classify, extract, validate and decide on a document whose pages hold words.

    `extractor` replaces the default extractor of the document's type (evaluation of a
    stored model uses this); `policy` replaces the packaged decision policy (a workspace's).
    `user_types` are the types users defined (a service's registry; by default the one of
    the settings): a document that came without a hint is of a user type when it matches
    the type's profile (a user's type is more specific than a built-in one: delivery notes
    of one supplier rather than any invoice), and is read by the type's live model.
    Fields holding personal data are marked as such (`model.personal`).
    """
    types = user_types or UserTypes(get_settings().registry_dir)
    with timed(timings, "classify"):
        doc_type, conf, _ = classify_pages(doc.pages)
        if doc.doc_type != DocType.OTHER and doc.doc_type_confidence >= 1.0:
            doc_type, conf = doc.doc_type, 1.0  # caller's hint wins
        elif (mrz := find_mrz(doc.pages)) is not None and len(mrz.mrz.failed_checks()) < 2:
            doc_type, conf = DocType.IDENTITY_DOCUMENT, 1.0 if mrz.mrz.valid else 0.9
        elif (found := types.recognise(doc.pages)) is not None:
            doc_type, conf = DocType.CUSTOM, found[1]
            doc.custom_type = found[0]
        doc.doc_type, doc.doc_type_confidence = doc_type, conf
        doc.model_versions["classify"] = classifier_version()
    if doc.doc_type == DocType.CUSTOM:
        if extractor is None or extractor.doc_type != DocType.CUSTOM:
            extractor = types.extractor(doc.custom_type) if doc.custom_type else None
    elif extractor is None or extractor.doc_type != doc.doc_type:
        extractor = extractor_for(doc.doc_type)
    read_findings: list[Finding] = []
    if extractor is not None:
        with timed(timings, "extract"):
            result = extractor.extract(doc.pages)
        doc.fields = result.fields
        doc.line_items = result.line_items
        doc.tax_details = result.tax_details
        read_findings = result.findings
        doc.model_versions["extract"] = extractor.version
    return _validate_and_decide(doc, timings, extractor, read_findings, policy, types=types)


def type_policy_of(
    doc: Document, policy: DecisionPolicy | None, types: UserTypes | None = None
) -> TypePolicy:
    """Return the policy a document is decided under: its type's, or its user type's.

    A user type that is no longer defined gets the `custom` entry with no fields, so its
    documents are decided as unread.
    """
    chosen = policy or packaged_policy()
    if doc.doc_type != DocType.CUSTOM or doc.custom_type is None:
        return chosen.for_type(doc.doc_type)
    spec = (types or UserTypes(get_settings().registry_dir)).spec(doc.custom_type)
    return chosen.for_user_type(spec) if spec else chosen.for_type(DocType.CUSTOM)


def read_again(doc: Document, extractor: FieldExtractor, policy: DecisionPolicy | None) -> Document:
    """Return a copy of an analysed document read by another extractor and decided again.

    The pages, type and classifier figures stay as they were; the fields, rules and
    decision are the other extractor's, under the same policy. A shadow model is compared
    with the live one this way (`monitoring.shadow`) without touching the live result.
    """
    other = doc.model_copy(deep=True)
    timings: dict[str, float] = {}
    with timed(timings, "extract"):
        result = extractor.extract(other.pages)
    other.fields, other.line_items = result.fields, result.line_items
    other.tax_details = result.tax_details
    other.model_versions["extract"] = extractor.version
    return _validate_and_decide(other, timings, extractor, result.findings, policy)


def _validate_and_decide(
    doc: Document,
    timings: dict[str, float],
    extractor: FieldExtractor | None,
    read_findings: list[Finding],
    policy: DecisionPolicy | None,
    *,
    has_extractor: bool | None = None,
    exact_fields: frozenset[str] = frozenset(),
    types: UserTypes | None = None,
) -> Document:
    type_policy = type_policy_of(doc, policy, types)
    with timed(timings, "validate"):
        doc.findings = read_findings + run_rules(doc)
        if type_policy.identity is not None:
            doc.findings += identity_findings(doc, type_policy.identity)
    thresholds = extractor.thresholds_for(type_policy.target_field_error) if extractor else {}
    # A value the document states as data (an e-invoice's XML) has no reading error.
    thresholds |= {name: 1.0 for name in exact_fields}
    if has_extractor is None:
        has_extractor = extractor is not None
    doc.decision = decide(doc, type_policy, has_extractor=has_extractor, thresholds=thresholds)
    doc.timings = timings
    return mark_personal(doc)


def process_ingested(
    ingested: IngestedFile,
    *,
    engine: OcrEngine | None = None,
    filename: str | None = None,
    source: Source = Source.CLI,
    doc_type_hint: DocType | None = None,
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
    keep_image: PageImageSink | None = None,
    use_e_invoice: bool = True,
    pages: list[Page] | None = None,
    custom_type: str | None = None,
    user_types: UserTypes | None = None,
) -> Document:
    """Run OCR and analysis on an already ingested file and return the document.

    `custom_type` names the user-defined type the caller says the document is (with
    `doc_type_hint` None or `custom`); `user_types` is where such types are defined (see
    `analyse`).

    An e-invoice (an XML upload, or a PDF embedding Factur-X/ZUGFeRD XML) takes its fields
    from the XML (`analyse_e_invoice`); `use_e_invoice=False` ignores the XML and reads the
    pages instead (the evaluation's visual path).

    `keep_image` receives each page as displayed (see `read_page`); the service's worker
    passes its blob store so the review screen never decodes the original again. `pages`,
    the file's pages read already (a batch the worker read to split it), are not read again.
    """
    if engine is None and ingested.pages and pages is None:  # an XML e-invoice has no page
        engine = get_engine(get_settings().ocr_engine, get_settings().ocr_threads)
    timings: dict[str, float] = {}
    doc = Document(
        sha256=ingested.sha256,
        media_type=ingested.media_type,
        size_bytes=ingested.size_bytes,
        filename=filename,
        source=source,
    )
    if pages is not None:
        doc.pages = pages
    elif engine is not None:
        doc.pages = [read_page(raw, engine, timings, keep_image) for raw in ingested.pages]
    if engine is not None and any(p.text_source == "ocr" for p in doc.pages):
        doc.model_versions["ocr"] = engine.version
    if custom_type is not None:
        doc.doc_type, doc.doc_type_confidence, doc.custom_type = DocType.CUSTOM, 1.0, custom_type
    elif doc_type_hint is not None and doc_type_hint != DocType.CUSTOM:
        doc.doc_type, doc.doc_type_confidence = doc_type_hint, 1.0
    if ingested.e_invoice_xml is not None and use_e_invoice and custom_type is None:
        return analyse_e_invoice(doc, ingested.e_invoice_xml, timings, policy)
    return analyse(doc, timings, extractor, policy, user_types)


def analyse_e_invoice(
    doc: Document,
    xml: bytes,
    timings: dict[str, float],
    policy: DecisionPolicy | None = None,
) -> Document:
    """Take an invoice's fields from its e-invoice XML (no OCR), then validate and decide.

    The pages (a Factur-X PDF's, read as usual for the review screen) are kept; the type
    is invoice and every field comes from the XML with confidence 1.0. The XML is checked
    against the EN 16931 rules (each failed rule a finding), and a Factur-X PDF's text
    layer against its XML (`einvoice.visible_mismatch`). Values taken from the XML count
    as sure for the decision, so a valid e-invoice with no failed rule goes straight
    through. XML that cannot be parsed safely raises a typed InputError (`unsafe_xml`,
    `corrupt_input`, `unsupported_media_type`).
    """
    with timed(timings, "extract"):
        fill_document(doc, read_e_invoice(xml))
    with timed(timings, "e_invoice_checks"):
        findings = validate_en16931(xml)
        if doc.pages:
            findings += crosscheck_visible_text(
                visible_values(doc), [p.text for p in doc.pages if p.text_source != "ocr"]
            )
    exact = frozenset(n for n, f in doc.fields.items() if f.source == FieldSource.E_INVOICE)
    return _validate_and_decide(
        doc, timings, None, findings, policy, has_extractor=True, exact_fields=exact
    )


VISIBLE_FIELDS = {
    "invoice_number": "invoice_number",
    "issue_date": "invoice_date",
    "grand_total": "total",
    "amount_due": "amount_due",
    "tax_total": "total_tax",
}
"""The cross-check's name of each value a Factur-X PDF's picture must show → our field."""


def visible_values(doc: Document) -> dict[str, XmlValue]:
    """Return the XML values a Factur-X PDF's picture must show, named as the cross-check wants.

    The buyer reads the picture while the ERP books the XML, so they must agree.
    """
    out: dict[str, XmlValue] = {}
    for key, name in VISIBLE_FIELDS.items():
        f = doc.fields.get(name)
        if f is not None and f.value is not None and not isinstance(f.value, dt.time):
            out[key] = f.value
    return out


def process_bytes(
    data: bytes,
    *,
    engine: OcrEngine | None = None,
    filename: str | None = None,
    source: Source = Source.CLI,
    doc_type_hint: DocType | None = None,
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
    keep_image: PageImageSink | None = None,
    custom_type: str | None = None,
    user_types: UserTypes | None = None,
) -> Document:
    """Process one document given as bytes; bad input raises a typed InputError.

    The bytes are decoded once, here; `keep_image`, `custom_type` and `user_types` are
    passed to `process_ingested`.
    """
    timings: dict[str, float] = {}
    with timed(timings, "ingest"):
        ingested = load_bytes(data)
    doc = process_ingested(
        ingested,
        engine=engine,
        filename=filename,
        source=source,
        doc_type_hint=doc_type_hint,
        extractor=extractor,
        policy=policy,
        keep_image=keep_image,
        custom_type=custom_type,
        user_types=user_types,
    )
    doc.timings = {**timings, **doc.timings}
    return doc


def process_path(
    path: Path,
    *,
    engine: OcrEngine | None = None,
    doc_type_hint: DocType | None = None,
    extractor: FieldExtractor | None = None,
    policy: DecisionPolicy | None = None,
    use_e_invoice: bool = True,
) -> Document:
    """Process one file from disk (`use_e_invoice` as in `process_ingested`)."""
    from paperclerk.ingest import load_path

    timings: dict[str, float] = {}
    with timed(timings, "ingest"):
        ingested = load_path(path)
    doc = process_ingested(
        ingested,
        engine=engine,
        filename=path.name,
        doc_type_hint=doc_type_hint,
        extractor=extractor,
        policy=policy,
        use_e_invoice=use_e_invoice,
    )
    doc.timings = {**timings, **doc.timings}
    return doc
