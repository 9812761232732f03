"""VAT rates per country and period, for `invoice.vat_rate_valid`.

Source: the European Commission's published "VAT rates applied in the Member States of
the European Union" (taxation_customs, the yearly `vat_rates_en.pdf`, and the Taxes in
Europe Database, TEDB) for the standard, reduced and super-reduced rates, and HMRC's
"VAT rates on different goods and services" for Great Britain. Temporary rates carry the
dates their law gave them; a rate without dates applies for the whole period the table
covers (2016 onwards). Zero is always accepted (exempt, reverse charge, intra-community
supply, export, zero-rated), so it is not listed.

A rate missing here makes `invoice.vat_rate_valid` warn: add it with its source and dates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class RatePeriod:
    """A VAT rate (percent) and the days it applies, both ends included; None is open."""

    rate: Decimal
    start: dt.date | None = None
    end: dt.date | None = None

    def applies_on(self, day: dt.date | None) -> bool:
        """Whether the rate applies on `day` (any rate in the table applies on no day)."""
        if day is None:
            return True
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


def _always(*rates: str) -> list[RatePeriod]:
    return [RatePeriod(Decimal(r)) for r in rates]


def _between(start: dt.date, end: dt.date, *rates: str) -> list[RatePeriod]:
    return [RatePeriod(Decimal(r), start, end) for r in rates]


_D = dt.date

VAT_RATES: dict[str, list[RatePeriod]] = {
    # Germany: 19 / 7; the Corona-Steuerhilfegesetz lowered them to 16 / 5 for the
    # second half of 2020 (the only months 19 and 7 did not apply).
    "DE": [
        RatePeriod(Decimal("19"), None, _D(2020, 6, 30)),
        RatePeriod(Decimal("7"), None, _D(2020, 6, 30)),
        *_between(_D(2020, 7, 1), _D(2020, 12, 31), "16", "5"),
        RatePeriod(Decimal("19"), _D(2021, 1, 1)),
        RatePeriod(Decimal("7"), _D(2021, 1, 1)),
    ],
    # France: 20 / 10 / 5.5 / 2.1; 8.5 and 1.75 in Guadeloupe, Martinique and Réunion.
    "FR": _always("20", "10", "5.5", "2.1", "8.5", "1.75"),
    # Netherlands: 21 / 9 (the reduced rate went from 6 to 9 on 2019-01-01).
    "NL": [
        *_always("21"),
        RatePeriod(Decimal("6"), None, _D(2018, 12, 31)),
        RatePeriod(Decimal("9"), _D(2019, 1, 1)),
    ],
    # Belgium: 21 / 12 / 6.
    "BE": _always("21", "12", "6"),
    # Austria: 20 / 13 / 10; 5 for hospitality, culture and publications from
    # 2020-07-01 to 2021-12-31.
    "AT": [*_always("20", "13", "10"), *_between(_D(2020, 7, 1), _D(2021, 12, 31), "5")],
    # Italy: 22 / 10 / 5 / 4.
    "IT": _always("22", "10", "5", "4"),
    # Spain: 21 / 10 / 4; 5 temporarily (electricity from 2021-06-26, basic foods in
    # 2023 and 2024), 2 and 7.5 for basic foods and oils in the last quarter of 2024.
    "ES": [
        *_always("21", "10", "4"),
        *_between(_D(2021, 6, 26), _D(2024, 12, 31), "5"),
        *_between(_D(2024, 10, 1), _D(2024, 12, 31), "2", "7.5"),
    ],
    # Luxembourg: 17 / 14 / 8 / 3, each one point lower during 2023.
    "LU": [
        RatePeriod(Decimal("17"), None, _D(2022, 12, 31)),
        RatePeriod(Decimal("14"), None, _D(2022, 12, 31)),
        RatePeriod(Decimal("8"), None, _D(2022, 12, 31)),
        *_between(_D(2023, 1, 1), _D(2023, 12, 31), "16", "13", "7"),
        RatePeriod(Decimal("17"), _D(2024, 1, 1)),
        RatePeriod(Decimal("14"), _D(2024, 1, 1)),
        RatePeriod(Decimal("8"), _D(2024, 1, 1)),
        *_always("3"),
    ],
    # Great Britain: 20 / 5 / 0; hospitality was at 5 from 2020-07-15 and 12.5 from
    # 2021-10-01 to 2022-03-31 (5 stays valid all along as the reduced rate).
    "GB": [*_always("20", "5"), *_between(_D(2021, 10, 1), _D(2022, 3, 31), "12.5")],
}
"""Country (ISO 3166 alpha-2) → the non-zero VAT rates it has had since 2016."""

TABLE_START = dt.date(2016, 1, 1)
"""The first day the table covers; earlier invoices are not checked."""


def valid_rates(country: str, day: dt.date | None) -> list[Decimal] | None:
    """Return the rates `country` applied on `day` (zero included); None when not tabled."""
    periods = VAT_RATES.get(country.upper())
    if periods is None:
        return None
    return sorted({Decimal(0), *(p.rate for p in periods if p.applies_on(day))})
