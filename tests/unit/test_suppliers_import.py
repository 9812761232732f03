"""Supplier CSV import: normalising, validating VAT ids and IBANs, rejected rows with lines."""

from __future__ import annotations

import pytest

from paperclerk.payables.supplier import (
    CsvFormatError,
    SupplierIn,
    check_supplier,
    mask_iban,
    normalise_vat_id,
    parse_csv,
)

S1 = (
    "S1,Muster GmbH,de 136 695 976,DE89 3704 0044 0532 0130 00;GB82WEST12345698765432,"
    "Hauptstr. 1,10115,Berlin,de"
)
CSV = f"""supplier_number,name,vat_id,iban,address,postcode,city,country
{S1}
S2,Bad VAT Ltd,DE000000000,,,,,
S3,Bad IBAN BV,,NL91ABNA0417164301,,,,NL

S4,,,,,,,
S1,Muster again,,,,,,
S5,"Quoted, Inc.",NL004495445B01,NL91ABNA0417164300,"Dam 1
Floor 2",1012 JS,Amsterdam,NL
"""


def test_good_rows_are_normalised_and_bad_rows_reported_with_lines_and_reasons() -> None:
    parsed = parse_csv(CSV)
    assert [s.supplier_number for s in parsed.valid] == ["S1", "S5"]
    s1 = parsed.valid[0]
    assert s1.vat_id == "DE136695976"
    assert s1.ibans == ["DE89370400440532013000", "GB82WEST12345698765432"]
    assert s1.country == "DE"
    rejected = {r.line: r for r in parsed.rejected}
    assert sorted(rejected) == [3, 4, 6, 7]
    assert "VAT id 'DE000000000' is not valid" in rejected[3].reasons
    assert any("IBAN 'NL91ABNA0417164301' is not valid" in r for r in rejected[4].reasons)
    assert any(r.startswith("name:") for r in rejected[6].reasons)
    assert rejected[7].reasons == ["supplier_number 'S1' is on line 2 already"]


def test_a_csv_without_the_required_header_is_refused() -> None:
    with pytest.raises(CsvFormatError, match="supplier_number"):
        parse_csv("name,iban\nAcme,DE89370400440532013000\n")


def test_vat_ids_of_other_countries_and_masking() -> None:
    assert normalise_vat_id(" gb-980.780.684 ") == "GB980780684"
    ok = check_supplier(SupplierIn(supplier_number="1", name="UK", vat_id="GB980780684"))
    assert ok.problems == []
    bad = check_supplier(SupplierIn(supplier_number="2", name="X", vat_id="123456789"))
    assert bad.problems == ["VAT id '123456789' does not start with a country code"]
    assert mask_iban("DE89370400440532013000") == "*" * 18 + "3000"


@pytest.mark.parametrize("text", ["\r0", "\r", 'a,"b\r\n"c', '\x00,\r\n"x'])
def test_a_broken_csv_is_a_format_error_never_a_crash(text: str) -> None:
    """A lone carriage return or an unclosed quote is a typed error (422), not a 500."""
    from paperclerk.payables.orders import parse_order_csv
    from paperclerk.payables.supplier import CsvFormatError, parse_csv

    for parse in (parse_csv, parse_order_csv):
        with pytest.raises(CsvFormatError):
            parse(text)
