"""The VAT category of a zero rate, read from an invoice's wording (BT-118, BT-120)."""

from __future__ import annotations

from decimal import Decimal

from paperclerk.extract.invoice_vat_category import with_categories, zero_rate_reason
from paperclerk.model import TaxDetail

ZERO = TaxDetail(rate=Decimal("0"), net=Decimal("100.00"), tax=Decimal("0.00"))
STANDARD = TaxDetail(rate=Decimal("19"), net=Decimal("100.00"), tax=Decimal("19.00"))


def test_each_language_names_its_category() -> None:
    cases = {
        "Steuerschuldnerschaft des Leistungsempfängers (§ 13b UStG)": "AE",
        "Autoliquidation - article 283-2 du CGI": "AE",
        "BTW verlegd": "AE",
        "Steuerfreie innergemeinschaftliche Lieferung": "K",
        "Livraison intracommunautaire exonérée": "K",
        "Intra-community supply of goods": "K",
        "Steuerfreie Ausfuhrlieferung": "G",
        "Umsatzsteuerbefreit nach § 4 Nr. 14 UStG": "E",
        "Not subject to VAT": "O",
    }
    for text, code in cases.items():
        assert zero_rate_reason(["Rechnung 42", text]) == (code, text), text
    assert zero_rate_reason(["Total 119,00 EUR", "Zahlbar in 30 Tagen"]) is None


def test_only_zero_rates_get_a_category_with_the_reason_as_printed() -> None:
    lines = ["Reverse charge: the buyer accounts for the VAT"]
    got = with_categories([STANDARD, ZERO], lines, Decimal("200.00"), Decimal("19.00"))
    assert got[0] == STANDARD  # a standard rate stays as it is
    assert (got[1].category, got[1].exemption_reason) == ("AE", lines[0])
    assert with_categories([STANDARD], lines, Decimal("100.00"), Decimal("19.00")) == [STANDARD]


def test_an_invoice_without_vat_gets_one_zero_rate_breakdown() -> None:
    got = with_categories([], ["Intra-community supply"], Decimal("80.00"), Decimal("0"))
    assert [(t.rate, t.net, t.tax, t.category) for t in got] == [
        (Decimal(0), Decimal("80.00"), Decimal("0.00"), "K")
    ]
    assert with_categories([], ["Intra-community supply"], Decimal("80.00"), None) == []
