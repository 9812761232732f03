"""Draw a labelled held-out set of payslips, bank statements and utility bills as images.

Written apart from `paperclerk.datasets.synthetic_docs` (which the extractors were tuned
on) and sharing none of its code, word lists or layouts: names and towns are built from
syllables here, the pages are drawn with real fonts as A4 images at 150 dpi (two-column
headers, window-envelope address blocks, ruled tables, debit/credit or signed amount
columns, EN/DE/FR/NL wording and number formats), and some are degraded like a phone
scan (a slight turn, blur, JPEG). About one bank statement in ten has one balance edited
after the fact (`continuity_broken: true`).

`--extras` draws a harder set (a seed then gives other documents than without it): US-style
payslips and bills as well (`$1,234.56`, `March 31, 2024`, `03/31/2024`, `Town, ST 12345`),
font sizes from 16 to 26 px, logos drawn as boxes or discs, addresses of three lines,
statements of 5 to 25 rows, some with a value-date column, values shrunk to stay on the
page, and phone-scan pages turned up to 2 degrees with grain, a grey cast and blur. Without
it, a seed draws the same documents as before (the figures in docs/measurements.md).

    python scripts/make_heldout_proof.py OUT_DIR --count 20 --seed 7

writes OUT_DIR/<id>.png|jpg with OUT_DIR/<id>.gt.json in the format `paperclerk eval proof`
reads.
"""

from __future__ import annotations

import argparse
import calendar
import datetime as dt
import json
import random
import string
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
W, H = 1240, 1754
SYL = ["ka", "ri", "lo", "ven", "mar", "tes", "bel", "dor", "fin", "gal", "hol", "ith", "jun", "kel", "lum", "nor", "pa", "quen", "ros", "sal", "tor", "ul", "vik", "wen", "yar", "zel", "bra", "cro"]  # noqa: E501
FIRST = ["Ava", "Ben", "Cora", "Dirk", "Elin", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kaja", "Lino", "Mira", "Nils", "Olga", "Paul", "Rosa", "Sven", "Tara", "Uwe", "Vera", "Wim", "Yara", "Zoe"]  # noqa: E501
LANGS = ("en", "de", "fr", "nl")
MONTHS = {
    "en": "January February March April May June July August September October November December",
    "de": "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    "nl": "januari februari maart april mei juni juli augustus september oktober november december",
}
MONTHS["us"] = MONTHS["en"]
STATES = ("NY", "CA", "TX", "OH", "WA", "IL", "GA", "PA")
COUNTRY = {"en": "GB", "de": "DE", "fr": "FR", "nl": "NL"}
IBAN_LEN = {"GB": 22, "DE": 22, "FR": 27, "NL": 18}


def word(rng: random.Random, parts: int = 2) -> str:
    """Return a made-up capitalised word of syllables."""
    return "".join(rng.choice(SYL) for _ in range(parts)).capitalize()


def person(rng: random.Random) -> str:
    """Return a made-up person's name."""
    return f"{rng.choice(FIRST)} {word(rng, rng.randint(2, 3))}"


def address(rng: random.Random, lang: str, extras: bool = False) -> list[str]:
    """Return a street line and a postcode line in the country's style.

    With `extras`, about a third of the addresses get a third line (a flat, floor or
    building), before the street where the country writes it there.
    """
    lines = _address(rng, lang)
    if extras and rng.random() < 0.3:
        n, letter = rng.randint(1, 40), rng.choice("ABCDEF")
        unit = {"en": f"Flat {n}", "us": f"Apt {n}{letter}", "de": f"{rng.randint(1, 5)}. OG",
                "fr": f"Bâtiment {letter}", "nl": f"{rng.randint(1, 9)}e verdieping"}[lang]  # fmt: skip  # noqa: E501
        lines.insert(0 if lang in ("en", "fr") else 1, unit)
    return lines


def _address(rng: random.Random, lang: str) -> list[str]:
    """Return a street line and a postcode line in the country's style."""
    n = rng.randint(1, 180)
    street = word(rng)
    town = word(rng, rng.randint(2, 3))
    if lang == "us":
        kind = rng.choice(["Street", "Avenue", "Drive", "Blvd"])
        return [f"{n * 7} {street} {kind}", f"{town}, {rng.choice(STATES)} {rng.randint(10000, 99950)}"]  # noqa: E501
    if lang == "de":
        return [f"{street}{rng.choice(['straße', 'weg', 'allee'])} {n}", f"{rng.randint(10000, 99999)} {town}"]  # noqa: E501
    if lang == "fr":
        return [f"{n} {rng.choice(['rue', 'avenue', 'chemin'])} {street}", f"{rng.randint(10000, 95999)} {town}"]  # noqa: E501
    if lang == "nl":
        pc = f"{rng.randint(1000, 9999)} {''.join(rng.choices(string.ascii_uppercase, k=2))}"
        return [f"{street}{rng.choice(['straat', 'laan', 'weg'])} {n}", f"{pc} {town}"]
    up = string.ascii_uppercase
    pc = f"{rng.choice(up)}{rng.choice(up)}{rng.randint(1, 19)} {rng.randint(1, 9)}{rng.choice(up)}{rng.choice(up)}"  # noqa: E501
    return [f"{n} {street} {rng.choice(['Road', 'Street', 'Lane'])}", f"{town} {pc}"]


def iban(rng: random.Random, country: str) -> str:
    """Return a valid IBAN (check digits computed) for the country, grouped by four."""
    body = "".join(rng.choices(string.digits, k=IBAN_LEN[country] - 4))
    if country == "GB":
        body = "".join(rng.choices(string.ascii_uppercase, k=4)) + body[4:]
    moved = body + country + "00"
    num = int("".join(str(int(c, 36)) for c in moved))
    text = f"{country}{98 - num % 97:02d}{body}"
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def money(value: Decimal, lang: str, cur: str, rng: random.Random, symbol: bool = True) -> str:
    """Format an amount in the language's number format, with or without the currency."""
    text = f"{abs(value):,.2f}"
    if lang == "de" or lang == "nl":
        text = text.replace(",", "#").replace(".", ",").replace("#", ".")
    elif lang == "fr":
        text = text.replace(",", " ").replace(".", ",")
    sign = "-" if value < 0 else ""
    if not symbol:
        return sign + text
    sym = {"EUR": "€", "GBP": "£", "USD": "$"}[cur]
    if lang in ("en", "us"):
        return f"{sign}{sym}{text}"
    if lang == "nl":
        return f"{sym} {sign}{text}"
    return f"{sign}{text} {rng.choice([sym, cur])}"


def day(d: dt.date, lang: str, style: int) -> str:
    """Write a date the way the language does, in one of three styles."""
    month = MONTHS[lang].split()[d.month - 1]
    if lang == "us":
        return [f"{month} {d.day}, {d.year}", d.strftime("%m/%d/%Y"), d.isoformat()][style]
    if style == 0:
        return {"en": f"{d.day} {month} {d.year}", "de": f"{d.day}. {month} {d.year}",
                "fr": f"{d.day} {month} {d.year}", "nl": f"{d.day} {month} {d.year}"}[lang]  # fmt: skip  # noqa: E501
    if style == 1:
        return d.strftime({"en": "%d/%m/%Y", "de": "%d.%m.%Y", "fr": "%d/%m/%Y", "nl": "%d-%m-%Y"}[lang])  # noqa: E501
    return d.isoformat()


class Page:
    """An A4 page drawn with PIL: text at positions, rules and boxes."""

    def __init__(self, rng: random.Random, extras: bool = False) -> None:
        self.rng = rng
        self.extras = extras
        self.img = Image.new("L", (W, H), 255)
        self.draw = ImageDraw.Draw(self.img)
        family = rng.choice(["DejaVuSans", "DejaVuSerif", "DejaVuSansCondensed"])
        self.family = family
        self.size = rng.randint(16, 26) if extras else rng.randint(19, 24)
        self.font = ImageFont.truetype(str(FONT_DIR / f"{family}.ttf"), self.size)
        bold = FONT_DIR / f"{family}-Bold.ttf"
        self.bold = ImageFont.truetype(str(bold if bold.exists() else FONT_DIR / "DejaVuSans-Bold.ttf"), self.size)  # noqa: E501
        self.big = ImageFont.truetype(str(bold if bold.exists() else FONT_DIR / "DejaVuSans-Bold.ttf"), self.size + 12)  # noqa: E501
        self.y = rng.randint(70, 110)
        self.left = rng.randint(80, 120)

    def text(self, x: float, y: float, s: str, font: Any = None, right: bool = False) -> None:
        """Draw text at x (its right edge when `right`)."""
        f = font or self.font
        if self.extras and not right:
            f = self.fit(s, f, W - 30 - x)
        if right:
            x -= self.draw.textlength(s, font=f)
        self.draw.text((x, y), s, fill=self.rng.randint(0, 50), font=f)

    def fit(self, s: str, font: Any, room: float) -> Any:
        """Return the font, or a smaller one of its face, with which `s` fits in `room` px."""
        size = font.size
        while size > 10 and self.draw.textlength(s, font=font) > room:
            size -= 1
            font = ImageFont.truetype(font.path, size)
        return font

    def logo(self, x: float, y: float) -> float:
        """Draw a logo as a filled box or disc at (x, y); return the x right of it."""
        shape = (x, y, x + 56, y + 56)
        if self.rng.random() < 0.5:
            self.draw.ellipse(shape, fill=self.rng.randint(60, 140))
        else:
            self.draw.rectangle(shape, fill=self.rng.randint(60, 140))
        return x + 76

    def line(self, s: str, x: float | None = None, font: Any = None, gap: float = 1.5) -> None:
        """Draw a line of text and move down."""
        self.text(self.left if x is None else x, self.y, s, font)
        self.y += int(self.size * gap)

    def rule(self) -> None:
        """Draw a horizontal rule across the text width."""
        self.draw.line((self.left, self.y, W - self.left, self.y), fill=120, width=2)
        self.y += 10

    def pairs(self, rows: list[tuple[str, str]], x: float, y: float, colon: bool = True) -> float:
        """Draw label/value rows in two columns from (x, y); return the y below them."""
        for label, value in rows:
            self.text(x, y, label + (":" if colon else ""), self.font)
            self.text(x + 260, y, value, self.font)
            y += int(self.size * 1.6)
        return y

    def block(self, lines: list[str], x: float, y: float) -> float:
        """Draw stacked lines from (x, y); return the y below them."""
        for s in lines:
            self.text(x, y, s)
            y += int(self.size * 1.35)
        return y

    def table(
        self, head: list[str], rows: list[list[str]], xs: list[int], grid: bool, lefts: int = 1
    ) -> None:
        """Draw a table: the first `lefts` columns left-aligned at xs, the others right-aligned."""
        if grid:
            self.rule()
        for n, cell in enumerate(head):
            self.text(xs[n], self.y, cell, self.cell_font(cell, self.bold, xs, n, lefts), right=n >= lefts)  # noqa: E501
        self.y += int(self.size * 1.5)
        if grid:
            self.rule()
        for row in rows:
            for n, cell in enumerate(row):
                if cell:
                    self.text(xs[n], self.y, cell, self.cell_font(cell, self.font, xs, n, lefts), right=n >= lefts)  # noqa: E501
            self.y += int(self.size * 1.45)
        if grid:
            self.rule()

    def cell_font(self, cell: str, font: Any, xs: list[int], n: int, lefts: int) -> Any:
        """Return the font for a table cell; with `extras`, a left cell shrunk to its column."""
        if not self.extras or n >= lefts or n + 1 >= len(xs):
            return font
        room = xs[n + 1] - xs[n] - 15 if n + 1 < lefts else xs[n + 1] - 150 - xs[n]
        return self.fit(cell, font, room)

    def degrade(self) -> tuple[Image.Image, str]:
        """Return the page as a clean PNG, or turned, blurred and saved as JPEG."""
        img = self.img
        if self.rng.random() < 0.5:
            return img, "png"
        if self.extras:
            return self.phone_scan(), "jpg"
        img = img.rotate(self.rng.uniform(-1.5, 1.5), expand=True, fillcolor=255)
        img = img.filter(ImageFilter.GaussianBlur(self.rng.uniform(0.2, 0.9)))
        return img, "jpg"

    def phone_scan(self) -> Image.Image:
        """Return the page turned up to 2 degrees, greyed, with grain and a slight blur."""
        rng = self.rng
        img = self.img.rotate(rng.uniform(-2.0, 2.0), expand=True, fillcolor=255, resample=Image.Resampling.BICUBIC)  # noqa: E501
        pixels = np.asarray(img, dtype=np.float32) * rng.uniform(0.86, 0.97)
        grain = np.random.default_rng(rng.randrange(2**32)).normal(0, rng.uniform(4, 12), pixels.shape)  # noqa: E501
        img = Image.fromarray(np.clip(pixels + grain, 0, 255).astype(np.uint8), "L")
        return img.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.0)))


def payslip(
    rng: random.Random, lang: str, extras: bool = False
) -> tuple[Page, dict[str, str], list[Any], bool]:
    """Draw a payslip with a two-column header, an earnings table and net pay in a box."""
    tl = "en" if lang == "us" else lang  # US pages use the English wording
    p = Page(rng, extras)
    cur = "USD" if lang == "us" else "GBP" if lang == "en" and rng.random() < 0.7 else "EUR"
    forms = {"en": ["Ltd", "plc", "Limited", ""], "us": ["Inc.", "LLC", "Corp.", ""],
             "de": ["GmbH", "AG", "KG", ""], "fr": ["SARL", "SAS", "SA", ""], "nl": ["B.V.", "N.V.", ""]}  # fmt: skip  # noqa: E501
    employer = f"{word(rng)} {word(rng)} {rng.choice(forms[lang])}".strip()
    emp = person(rng)
    year, month = rng.randint(2021, 2026), rng.randint(1, 12)
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    paid = last - dt.timedelta(days=rng.randint(0, 4))
    style = rng.randrange(3)
    title = {"en": rng.choice(["Payslip", "Pay Statement", "Salary Slip"]),
             "de": rng.choice(["Lohnabrechnung", "Gehaltsabrechnung"]),
             "fr": rng.choice(["Fiche de paie", "Bulletin de paie"]),
             "nl": rng.choice(["Loonstrook", "Salarisstrook"])}[tl]  # fmt: skip
    x = p.logo(p.left, p.y - 8) if extras and rng.random() < 0.5 else p.left
    p.text(x, p.y, employer, p.fit(employer, p.big, W // 2 - 60 - x) if extras else p.big)
    p.text(W - p.left, p.y, title, p.big, right=True)
    y = p.block(address(rng, lang, extras), p.left, p.y + 50)
    if rng.random() < 0.5:
        period = f"{MONTHS[lang].split()[month - 1].capitalize()} {year}"
    else:
        sep = {"en": " to ", "de": " bis ", "fr": " au ", "nl": " t/m "}[tl]
        period = day(first, lang, style) + sep + day(last, lang, style)
    labels = {
        "en": ("Pay period", "Payment date", "Employee", "Employee no."),
        "de": ("Abrechnungszeitraum", "Auszahlungsdatum", "Mitarbeiter", "Personal-Nr."),
        "fr": ("Période de paie", "Date de paiement", "Salarié", "Matricule"),
        "nl": ("Loonperiode", "Betaaldatum", "Werknemer", "Personeelsnummer"),
    }[tl]
    meta = [(labels[0], period), (labels[1], day(paid, lang, style)),
            (labels[3], str(rng.randint(1000, 99999)))]  # fmt: skip
    rng.shuffle(meta)
    y2 = p.pairs(meta, W // 2 - 40, p.y + 50)
    p.y = int(max(y, y2)) + 30
    if rng.random() < 0.5:
        p.pairs([(labels[2], emp)], p.left, p.y)
        p.y += int(p.size * 2.2)
    else:
        p.y = int(p.block([emp, *address(rng, lang, extras)], W // 2 + 60, p.y)) + 25
    gross = Decimal(0)
    rows = []
    names = {"en": "Basic salary|Overtime|Bonus|Night shift", "de": "Grundlohn|Mehrarbeit|Prämie|Nachtzuschlag",  # noqa: E501
             "fr": "Salaire de base|Heures sup.|Prime|Majoration nuit", "nl": "Basissalaris|Overuren|Bonus|Toeslag"}[tl].split("|")  # fmt: skip  # noqa: E501
    for name in rng.sample(names, rng.randint(2, 4)):
        amount = Decimal(rng.randint(20000, 350000)) / 100
        gross += amount
        rows.append([name, f"{rng.randint(1, 170)}", money(amount, lang, cur, rng, False)])
    head = {"en": ["Earnings", "Units", "Amount"], "de": ["Lohnart", "Menge", "Betrag"],
            "fr": ["Élément", "Base", "Montant"], "nl": ["Omschrijving", "Aantal", "Bedrag"]}[tl]  # fmt: skip  # noqa: E501
    p.table(head, rows, [p.left, 780, W - p.left], grid=rng.random() < 0.6)
    gross_label = {"en": rng.choice(["Gross pay", "Total gross"]), "de": rng.choice(["Gesamtbrutto", "Bruttoverdienst"]),  # noqa: E501
                   "fr": rng.choice(["Salaire brut", "Total brut"]), "nl": rng.choice(["Brutoloon", "Totaal bruto"])}[tl]  # fmt: skip  # noqa: E501
    p.text(p.left, p.y, gross_label, p.bold)
    p.text(W - p.left, p.y, money(gross, lang, cur, rng), p.bold, right=True)
    p.y += 60
    deductions = Decimal(0)
    rows = []
    dnames = {"en": "Income tax|National Insurance|Pension", "de": "Lohnsteuer|Krankenversicherung|Rentenversicherung",  # noqa: E501
              "fr": "CSG|Retraite|Prévoyance", "nl": "Loonheffing|Pensioenpremie|Zorgverzekering"}[tl].split("|")  # fmt: skip  # noqa: E501
    for name in dnames:
        amount = (gross * Decimal(rng.uniform(0.03, 0.12))).quantize(Decimal("0.01"))
        deductions += amount
        rows.append([name, "", money(-amount, lang, cur, rng, False)])
    p.table({"en": ["Deductions", "", ""], "de": ["Abzüge", "", ""], "fr": ["Cotisations", "", ""],
             "nl": ["Inhoudingen", "", ""]}[tl], rows, [p.left, 780, W - p.left], grid=False)  # fmt: skip  # noqa: E501
    net = gross - deductions
    net_label = {"en": rng.choice(["Net pay", "Take home pay", "Net payment"]),
                 "de": rng.choice(["Auszahlungsbetrag", "Nettoverdienst", "Netto-Verdienst"]),
                 "fr": rng.choice(["Net à payer", "Net payé", "Salaire net"]),
                 "nl": rng.choice(["Netto loon", "Uit te betalen", "Nettoloon"])}[tl]  # fmt: skip
    p.y += 20
    p.draw.rectangle((W // 2, p.y - 10, W - p.left + 10, p.y + 45), outline=60, width=3)
    p.text(W // 2 + 20, p.y, net_label, p.bold)
    p.text(W - p.left, p.y, money(net, lang, cur, rng), p.bold, right=True)
    truth = {
        "employer": employer, "employee": emp, "period_start": first.isoformat(),
        "period_end": last.isoformat(), "pay_date": paid.isoformat(),
        "gross_pay": f"{gross:.2f}", "net_pay": f"{net:.2f}", "currency": cur,
    }  # fmt: skip
    return p, truth, [], False


def bank_statement(
    rng: random.Random, lang: str, extras: bool = False
) -> tuple[Page, dict[str, str], list[Any], bool]:
    """Draw a statement with a logo box, a window address, ruled transactions and balances."""
    p, cur = Page(rng, extras), ("GBP" if lang == "en" else "EUR")
    bank = f"{word(rng)} {rng.choice({'en': ['Bank', 'Savings Bank', 'Building Society'], 'de': ['Bank', 'Bankhaus', 'Sparkasse'], 'fr': ['Banque', 'Crédit', 'Banque Populaire'], 'nl': ['Bank', 'Spaarbank']}[lang])}"  # noqa: E501
    if lang == "fr" and rng.random() < 0.5:
        bank = f"Banque {word(rng)}"
    holder = person(rng)
    account = iban(rng, COUNTRY[lang])
    start = dt.date(rng.randint(2022, 2026), rng.randint(1, 12), 1)
    end = start + dt.timedelta(days=rng.randint(27, 30))
    style = rng.randrange(3)
    p.draw.rectangle((p.left, p.y, p.left + 70, p.y + 50), fill=90)
    p.text(p.left + 90, p.y + 6, bank, p.big)
    title = {"en": "Account statement", "de": "Kontoauszug", "fr": "Relevé de compte",
             "nl": "Rekeningafschrift"}[lang]  # fmt: skip
    p.text(W - p.left, p.y + 8, title, p.bold, right=True)
    p.y += 110
    y = p.block([holder, *address(rng, lang, extras)], p.left, p.y)
    sep = {"en": " to ", "de": " bis ", "fr": " au ", "nl": " t/m "}[lang]
    labels = {"en": ("Statement period", "Opening balance", "Closing balance"),
              "de": ("Zeitraum", "Anfangssaldo", "Endsaldo"),
              "fr": ("Période", "Solde précédent", "Nouveau solde"),
              "nl": ("Periode", "Beginsaldo", "Eindsaldo")}[lang]  # fmt: skip
    meta = [("IBAN", account), (labels[0], day(start, lang, style) + sep + day(end, lang, style)),
            ("BIC", "".join(rng.choices(string.ascii_uppercase, k=6)) + "XX")]  # fmt: skip
    y2 = p.pairs(meta, W // 2 - 60, p.y, colon=rng.random() < 0.5)
    p.y = int(max(y, y2)) + 30
    balance = Decimal(rng.randint(-20000, 900000)) / 100
    opening = balance
    p.text(p.left, p.y, labels[1], p.bold)
    p.text(W - p.left, p.y, money(opening, lang, cur, rng), p.bold, right=True)
    p.y += 50
    split = rng.random() < 0.5
    entries: list[tuple[str, str, Decimal, Decimal]] = []
    txs = []
    d = start
    ops = {"en": ["CARD", "DIRECT DEBIT", "TRANSFER", "STANDING ORDER"],
           "de": ["LASTSCHRIFT", "ÜBERWEISUNG", "KARTENZAHLUNG", "GUTSCHRIFT"],
           "fr": ["CB", "PRLV", "VIR", "CHQ"],
           "nl": ["BETAALAUTOMAAT", "INCASSO", "OVERBOEKING"]}[lang]  # fmt: skip
    short = {"en": "%d %b", "de": "%d.%m.", "fr": "%d/%m", "nl": "%d-%m"}[lang]
    short_dates = rng.random() < 0.4
    valuta = extras and rng.random() < 0.4  # a value-date column after the booking date
    values: list[str] = []
    for _ in range(rng.randint(5, 25) if extras else rng.randint(5, 20)):
        d = min(end, d + dt.timedelta(days=rng.randint(0, 3)))
        if rng.random() < 0.2:
            amount = Decimal(rng.randint(50000, 400000)) / 100
        else:
            amount = -Decimal(rng.randint(300, 90000)) / 100
        balance += amount
        when = d.strftime(short) if short_dates else day(d, lang, 1)
        if valuta:
            v = d + dt.timedelta(days=rng.randint(0, 2))
            values.append(v.strftime(short) if short_dates else day(v, lang, 1))
        entries.append((when, f"{rng.choice(ops)} {word(rng).upper()}", amount, balance))
        txs.append({"date": d.isoformat(), "amount": f"{amount:.2f}"})
    closing = balance
    printed = [e[3] for e in entries]
    broken = rng.random() < 0.12
    if broken:
        k = rng.randrange(len(printed))
        printed[k] += Decimal(rng.choice([10, 100, 1000]))
        if k == len(printed) - 1:
            closing = printed[k]
    rows = []
    for (when, text, amount, _), shown in zip(entries, printed, strict=True):
        fmt = money(shown, lang, cur, rng, False)
        if split:
            debit = money(-amount, lang, cur, rng, False) if amount < 0 else ""
            credit = money(amount, lang, cur, rng, False) if amount > 0 else ""
            rows.append([when, text, debit, credit, fmt])
        else:
            rows.append([when, text, money(amount, lang, cur, rng, False), fmt])
    heads = {"en": (["Date", "Description", "Paid out", "Paid in", "Balance"], ["Date", "Description", "Amount", "Balance"]),  # noqa: E501
             "de": (["Datum", "Buchungstext", "Soll", "Haben", "Saldo"], ["Datum", "Buchungstext", "Betrag", "Saldo"]),  # noqa: E501
             "fr": (["Date", "Libellé", "Débit", "Crédit", "Solde"], ["Date", "Libellé", "Montant", "Solde"]),  # noqa: E501
             "nl": (["Datum", "Omschrijving", "Af", "Bij", "Saldo"], ["Datum", "Omschrijving", "Bedrag", "Saldo"])}[lang]  # fmt: skip  # noqa: E501
    head = heads[0] if split else heads[1]
    xs = [p.left, p.left + 190, 800, 960, W - p.left] if split else [p.left, p.left + 190, 930, W - p.left]  # noqa: E501
    lefts = 2
    if valuta:
        label = {"en": "Value date", "de": "Valuta", "fr": "Valeur", "nl": "Valutadatum"}[lang]
        head.insert(1, label)
        for row, value in zip(rows, values, strict=True):
            row.insert(1, value)
        xs = [p.left, p.left + 165, p.left + 330, *xs[2:]]
        lefts = 3
    p.table(head, rows, xs, grid=rng.random() < 0.6, lefts=lefts)
    p.y += 20
    p.text(p.left, p.y, labels[2], p.bold)
    p.text(W - p.left, p.y, money(closing, lang, cur, rng), p.bold, right=True)
    truth = {
        "bank": bank, "account_holder": holder, "iban": account.replace(" ", ""),
        "period_start": start.isoformat(), "period_end": end.isoformat(),
        "opening_balance": f"{opening:.2f}", "closing_balance": f"{closing:.2f}", "currency": cur,
    }  # fmt: skip
    return p, truth, txs, broken


def utility_bill(
    rng: random.Random, lang: str, extras: bool = False
) -> tuple[Page, dict[str, str], list[Any], bool]:
    """Draw a bill with the provider's name, a window address, a meta column and a total box."""
    tl = "en" if lang == "us" else lang  # US pages use the English wording
    p = Page(rng, extras)
    cur = "USD" if lang == "us" else "GBP" if lang == "en" and rng.random() < 0.7 else "EUR"
    kind = {"en": ["Energy", "Power", "Water", "Gas"], "de": ["Energie", "Stadtwerke", "Wasser"],
            "fr": ["Énergie", "Eaux", "Électricité"], "nl": ["Energie", "Water", "Netbeheer"]}[tl]  # fmt: skip  # noqa: E501
    provider = f"{word(rng)} {rng.choice(kind)}"
    customer = person(rng)
    addr = address(rng, lang, extras)
    issued = dt.date(rng.randint(2022, 2026), rng.randint(1, 12), rng.randint(1, 28))
    due = issued + dt.timedelta(days=rng.randint(10, 30))
    style = rng.randrange(3)
    x = p.logo(p.left, p.y - 8) if extras and rng.random() < 0.6 else p.left
    p.text(x, p.y, provider, p.big)
    p.y += 60
    p.block(address(rng, lang, extras), p.left, p.y)
    p.y += 120
    y = p.block([customer, *addr], p.left + rng.choice([0, 40]), p.y)
    labels = {"en": ("Bill date", "Account number", "Amount due", "Due date"),
              "de": ("Rechnungsdatum", "Kundennummer", "Zu zahlender Betrag", "Fällig am"),
              "fr": ("Date de facture", "N° client", "Montant à payer", "Date d'échéance"),
              "nl": ("Factuurdatum", "Klantnummer", "Te betalen", "Vervaldatum")}[tl]  # fmt: skip
    meta = [(labels[0], day(issued, lang, style)), (labels[1], str(rng.randint(10**6, 10**9)))]
    rng.shuffle(meta)
    y2 = p.pairs(meta, W // 2 + 20, p.y, colon=rng.random() < 0.6)
    p.y = int(max(y, y2)) + 40
    title = {"en": "Your electricity bill", "de": "Ihre Jahresabrechnung", "fr": "Votre facture",
             "nl": "Uw jaarnota"}[tl]  # fmt: skip
    p.line(title, font=p.bold, gap=2.0)
    total = Decimal(0)
    rows = []
    items = {"en": "Energy used|Standing charge|VAT 5%", "de": "Arbeitspreis|Grundpreis|MwSt. 19%",
             "fr": "Consommation|Abonnement|TVA 20%", "nl": "Levering|Vastrecht|BTW 21%"}[tl]  # fmt: skip  # noqa: E501
    for name in items.split("|"):
        amount = Decimal(rng.randint(500, 40000)) / 100
        total += amount
        rows.append([name, money(amount, lang, cur, rng, False)])
    p.table({"en": ["Charges", "Amount"], "de": ["Position", "Betrag"], "fr": ["Détail", "Montant"],
             "nl": ["Omschrijving", "Bedrag"]}[tl], rows, [p.left, W - p.left], grid=rng.random() < 0.5)  # fmt: skip  # noqa: E501
    p.y += 20
    p.draw.rectangle((W // 2 - 40, p.y - 10, W - p.left + 10, p.y + 45), outline=60, width=3)
    p.text(W // 2 - 20, p.y, labels[2], p.bold)
    p.text(W - p.left, p.y, money(total, lang, cur, rng), p.bold, right=True)
    p.y += 80
    p.pairs([(labels[3], day(due, lang, style))], p.left, p.y)
    truth = {
        "provider": provider, "customer_name": customer, "customer_address": ", ".join(addr),
        "issue_date": issued.isoformat(), "amount_due": f"{total:.2f}", "currency": cur,
        "due_date": due.isoformat(),
    }  # fmt: skip
    return p, truth, [], False


KINDS = {"payslip": payslip, "bank_statement": bank_statement, "utility_bill": utility_bill}


def main() -> None:
    """Write --count documents of each type with their truth files into OUT_DIR."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--count", type=int, default=20, help="documents per type")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--extras", action="store_true",
        help="a harder set: US-style pages, varied sizes, logos, 3-line addresses, value dates, phone scans",  # noqa: E501
    )  # fmt: skip
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover - tqdm comes with the dev tools
        tqdm = None
    jobs = [(kind, n) for kind in KINDS for n in range(args.count)]
    for kind, n in tqdm(jobs, desc="drawing") if tqdm else jobs:
        us = args.extras and kind != "bank_statement"  # no IBAN on a US statement
        lang = rng.choice((*LANGS, "us") if us else LANGS)
        page, fields, txs, broken = KINDS[kind](rng, lang, args.extras)
        img, ext = page.degrade()
        stem = f"{kind}-{n:03d}-{lang}"
        if ext == "jpg":
            img.save(args.out / f"{stem}.jpg", quality=rng.randint(60, 85))
        else:
            img.save(args.out / f"{stem}.png")
        truth: dict[str, Any] = {"doc_type": kind, "fields": fields}
        if kind == "bank_statement":
            truth["transactions"] = txs
            truth["continuity_broken"] = broken
        (args.out / f"{stem}.gt.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")  # noqa: E501


if __name__ == "__main__":
    main()
