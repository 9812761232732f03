"""Why an invoice charges no VAT, read from its wording: the VAT category of a zero rate.

A printed invoice says why it bills 0 % in a sentence ("Steuerschuldnerschaft des
Leistungsempfängers", "Autoliquidation", "Intra-community supply", "steuerfreie
Ausfuhrlieferung"). EN 16931 codes that reason as a VAT category (BT-118: AE reverse
charge, K intra-community supply, G export outside the EU, E exempt, O not subject to
VAT) with the reason as printed (BT-120). Only zero-rate breakdowns get a category here;
a rate above zero stays standard whatever a footer says.
"""

from __future__ import annotations

import re
from decimal import Decimal

from paperclerk.model import TaxDetail

CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AE", re.compile(
        r"reverse[- ]charge|steuerschuldnerschaft des leistungsempf|§\s*13b\s*ustg|"
        r"autoliquidation|verlegd|omgekeerde heffing|inversión del sujeto pasivo|"
        r"inversione contabile", re.IGNORECASE)),
    ("K", re.compile(
        r"innergemeinschaftliche\w*\s+(?:lieferung|leistung)|intra-?community\s+(?:supply|"
        r"delivery|deliveries)|livraisons?\s+intra-?communautaires?|intracommunautaire\s+"
        r"levering|§\s*4\s*nr\.?\s*1\s*b\s*ustg", re.IGNORECASE)),
    ("G", re.compile(
        r"ausfuhrlieferung|export outside the eu|exportation hors|export buiten de eu|"
        r"§\s*4\s*nr\.?\s*1\s*a\s*ustg|article 262 i\b", re.IGNORECASE)),
    ("O", re.compile(r"nicht steuerbar|not subject to vat|hors champ", re.IGNORECASE)),
    ("E", re.compile(
        r"steuerfrei|umsatzsteuerbefreit|exempt from vat|vat[- ]exempt|exonér|"
        r"vrijgesteld van btw|§\s*4\s*nr\.?\s*\d+\s*ustg", re.IGNORECASE)),
)  # fmt: skip
"""Category codes and the wording that names them, most specific first."""
MAX_REASON = 300


def zero_rate_reason(lines: list[str]) -> tuple[str, str] | None:
    """Return (category, the line that says so) for the first cue found, most specific first."""
    for code, cue in CUES:
        for text in lines:
            if cue.search(text):
                return code, " ".join(text.split())[:MAX_REASON]
    return None


def with_categories(
    taxes: list[TaxDetail], lines: list[str], subtotal: Decimal | None, total_tax: Decimal | None
) -> list[TaxDetail]:
    """Give zero-rate breakdowns the category the wording names, with the reason as printed.

    An invoice without a breakdown that charges no VAT at all (total VAT 0) gets one zero
    rate breakdown over its net amount when the wording names a category.
    """
    zero = [t for t in taxes if t.rate is not None and t.rate == 0 and t.category is None]
    no_vat = not taxes and total_tax is not None and total_tax == 0 and subtotal is not None
    if not zero and not no_vat:
        return taxes
    found = zero_rate_reason(lines)
    if found is None:
        return taxes
    code, reason = found
    if no_vat:
        return [TaxDetail(rate=Decimal(0), net=subtotal, tax=Decimal("0.00"), category=code,
                          exemption_reason=reason)]  # fmt: skip
    return [
        t.model_copy(update={"category": code, "exemption_reason": reason}) if t in zero else t
        for t in taxes
    ]
