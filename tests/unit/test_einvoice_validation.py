"""EN 16931 validation of UBL and CII e-invoices with the official XSLT (saxonche)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from paperclerk.einvoice.validation import (
    BUNDLED_DIR,
    ENV_DIR,
    STYLESHEETS,
    NotAnEInvoiceError,
    Syntax,
    detect_syntax,
    parse_svrl,
    readable_location,
    run_en16931,
    validate_en16931,
)
from paperclerk.model.decision import Severity
from tests.conftest import SHARED, needs_shared

EINVOICES = SHARED / "einvoices"

UBL_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
  <cbc:ID>INV-1</cbc:ID>
  <cbc:IssueDate>2024-05-02</cbc:IssueDate>
  <cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingSupplierParty><cac:Party>
    <cac:PostalAddress><cbc:CityName>Berlin</cbc:CityName><cbc:PostalZone>10115</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>DE</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyTaxScheme><cbc:CompanyID>DE123456788</cbc:CompanyID>
      <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
    <cac:PartyLegalEntity><cbc:RegistrationName>Seller GmbH</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingSupplierParty>
  <cac:AccountingCustomerParty><cac:Party>
    <cac:PostalAddress><cbc:CityName>Paris</cbc:CityName><cbc:PostalZone>75001</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>FR</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
    <cac:PartyLegalEntity><cbc:RegistrationName>Buyer SA</cbc:RegistrationName>
    </cac:PartyLegalEntity>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:TaxTotal>
    <cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
    <cac:TaxSubtotal>
      <cbc:TaxableAmount currencyID="EUR">100.00</cbc:TaxableAmount>
      <cbc:TaxAmount currencyID="EUR">19.00</cbc:TaxAmount>
      <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory>
    </cac:TaxSubtotal>
  </cac:TaxTotal>
  <cac:LegalMonetaryTotal>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cbc:TaxExclusiveAmount currencyID="EUR">100.00</cbc:TaxExclusiveAmount>
    <cbc:TaxInclusiveAmount currencyID="EUR">{inclusive}</cbc:TaxInclusiveAmount>
    <cbc:PayableAmount currencyID="EUR">{inclusive}</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
  <cac:InvoiceLine>
    <cbc:ID>1</cbc:ID>
    <cbc:InvoicedQuantity unitCode="C62">1</cbc:InvoicedQuantity>
    <cbc:LineExtensionAmount currencyID="EUR">100.00</cbc:LineExtensionAmount>
    <cac:Item><cbc:Name>Consulting</cbc:Name>
      <cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>
        <cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:ClassifiedTaxCategory></cac:Item>
    <cac:Price><cbc:PriceAmount currencyID="EUR">100.00</cbc:PriceAmount></cac:Price>
  </cac:InvoiceLine>
</Invoice>
"""


def _ubl(inclusive: str) -> bytes:
    return UBL_TEMPLATE.format(inclusive=inclusive).encode()


def test_xslt_ships_with_the_package() -> None:
    for name in STYLESHEETS.values():
        assert (BUNDLED_DIR / name).is_file()
    assert (BUNDLED_DIR / "LICENSE-EUPL-1.2.txt").is_file()


def test_hand_made_valid_ubl_has_no_finding() -> None:
    assert validate_en16931(_ubl("119.00")) == []


def test_totals_that_do_not_add_up_give_br_co_15() -> None:
    findings = validate_en16931(_ubl("120.00"))
    assert [f.rule_id for f in findings] == ["en16931.BR-CO-15"]
    finding = findings[0]
    assert finding.severity is Severity.ERROR
    assert not finding.passed
    assert finding.message.startswith("BR-CO-15: Invoice total amount with VAT (BT-112)")
    assert finding.message.endswith("(at /Invoice)")
    assert "namespace-uri" not in finding.message


def test_detect_syntax() -> None:
    assert detect_syntax(_ubl("1")) is Syntax.UBL
    cii = (
        b'<r:CrossIndustryInvoice xmlns:r="urn:un:unece:uncefact:data:standard:'
        b'CrossIndustryInvoice:100"/>'
    )
    assert detect_syntax(cii) is Syntax.CII
    with pytest.raises(NotAnEInvoiceError):
        detect_syntax(b"<html/>")
    with pytest.raises(NotAnEInvoiceError):
        detect_syntax(b"not xml")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"<Invoice",
        b"<foo xmlns='urn:x'/>",
        b'<?xml version="1.0"?><!DOCTYPE Invoice [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>'
        b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&x;</Invoice>',
    ],
)
def test_bad_input_is_a_not_run_finding_never_a_crash(data: bytes) -> None:
    findings = validate_en16931(data)
    assert [f.rule_id for f in findings] == ["en16931.not_run"]
    assert findings[0].severity is Severity.ERROR
    assert "could not run" in findings[0].message


def test_missing_xslt_is_an_unavailable_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    findings = validate_en16931(_ubl("119.00"))
    assert [f.rule_id for f in findings] == ["en16931.unavailable"]
    assert findings[0].severity is Severity.WARNING
    assert ENV_DIR in findings[0].message


def test_broken_xslt_is_an_unavailable_finding(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / STYLESHEETS[Syntax.UBL]).write_text("<xsl:stylesheet/>", encoding="utf-8")
    monkeypatch.setenv(ENV_DIR, str(tmp_path))
    findings = validate_en16931(_ubl("119.00"))
    assert [f.rule_id for f in findings] == ["en16931.unavailable"]


def test_parse_svrl_and_location() -> None:
    svrl = (
        '<svrl:schematron-output xmlns:svrl="http://purl.oclc.org/dsdl/svrl">'
        '<svrl:failed-assert id="BR-01" flag="warning" test="x" location="/a">'
        "<svrl:text>  [BR-01]-Some\n  text </svrl:text></svrl:failed-assert>"
        "</svrl:schematron-output>"
    )
    (failed,) = parse_svrl(svrl)
    assert (failed.rule_id, failed.flag, failed.text) == ("BR-01", "warning", "[BR-01]-Some text")
    assert failed.severity is Severity.INFO
    location = (
        "/*:Invoice[namespace-uri()='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'][1]"
        "/*:InvoiceLine[namespace-uri()='urn:x'][2]/*:Item[namespace-uri()='urn:y'][1]"
    )
    assert readable_location(location) == "/Invoice/InvoiceLine[2]/Item"


def _manifest(syntax: str) -> list[dict[str, str]]:
    with (EINVOICES / syntax / "manifest.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _expected_fatal(row: dict[str, str]) -> set[str]:
    fatal = row["en16931_failed_asserts"].split("|")[0]
    return {rule for rule in fatal.split(";") if rule}


@needs_shared("einvoices")
@pytest.mark.parametrize("syntax", ["ubl", "cii"])
def test_shared_valid_files_have_no_fatal_finding(syntax: str) -> None:
    rows = [r for r in _manifest(syntax) if r["en16931_xslt"] == "valid"][:4]
    assert rows
    for row in rows:
        report = run_en16931((EINVOICES / syntax / f"{row['id']}.xml").read_bytes())
        assert report.fatal_ids == set(), row["id"]


@needs_shared("einvoices")
@pytest.mark.parametrize(
    ("syntax", "doc_id"),
    [
        ("ubl", "xrts__02.01a-cvd_INVOICE_ubl"),
        ("cii", "xrts__02.01a-cvd_INVOICE_uncefact"),
        ("cii", "akretion__factur-x-basicwl"),
        ("cii", "akretion__factur-x-minimum"),
    ],
)
def test_shared_failing_files_give_the_manifest_rule_ids(syntax: str, doc_id: str) -> None:
    (row,) = [r for r in _manifest(syntax) if r["id"] == doc_id]
    findings = validate_en16931((EINVOICES / syntax / f"{doc_id}.xml").read_bytes())
    fatal = {f.rule_id.removeprefix("en16931.") for f in findings if f.severity is Severity.ERROR}
    assert fatal == _expected_fatal(row)


def test_the_pipeline_reports_en16931_failures_and_sends_them_to_review() -> None:
    from paperclerk.model import DecisionOutcome
    from paperclerk.pipeline.run import process_bytes

    broken = process_bytes(_ubl("120.00"), filename="broken.xml")
    failed = [f for f in broken.findings if f.rule_id.startswith("en16931.")]
    assert [f.rule_id for f in failed] == ["en16931.BR-CO-15"]
    assert broken.decision is not None
    assert broken.decision.outcome != DecisionOutcome.AUTO_APPROVED
    good = process_bytes(_ubl("119.00"), filename="good.xml")
    assert not [f for f in good.findings if f.rule_id.startswith("en16931.")]
    # values stated in the XML are exact: a valid e-invoice goes straight through
    assert good.decision is not None
    assert good.decision.outcome == DecisionOutcome.AUTO_APPROVED, good.decision.reasons
