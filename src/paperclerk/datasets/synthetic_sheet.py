"""Layout and random values for the SYNTHETIC seed documents of `synthetic_docs`.

`Sheet` places text lines on pages the way OCR or a PDF text layer would return them
(varied page sizes, fonts, margins, label/value styles, table columns, optional OCR noise);
`Voice` gives language-specific random names, addresses, dates, amounts and word pools.
"""

from __future__ import annotations

import datetime as dt
import random
import string

from paperclerk.datasets.synthetic_words import WORDS
from paperclerk.engines.base import OcrWord
from paperclerk.model import Box, Page
from paperclerk.pages.layout import build_page, split_line

PAGE_SIZES = ((1654, 2339), (1700, 2200), (1240, 1754), (2480, 3508), (1500, 2000))
CONFUSIONS = {
    "o": "0",
    "O": "0",
    "0": "O",
    "l": "1",
    "1": "l",
    "I": "l",
    "S": "5",
    "e": "c",
    "B": "8",
    "a": "o",
    "i": "í",
    "rn": "m",
    "m": "rn",
    "5": "S",
    ",": ".",
}
MONTHS = {
    "en": "January|February|March|April|May|June|July|August|September|October|November|December",
    "de": "Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember",
    "fr": "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre",
    "nl": "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december",
}


def ocr_noise(text: str, rng: random.Random, rate: float) -> str:
    """Return text with OCR-like slips: confused, dropped and doubled characters, lost spaces."""
    out: list[str] = []
    for ch in text:
        roll = rng.random()
        if roll < rate:
            out.append(CONFUSIONS.get(ch, ch))
        elif roll < rate * 1.3 and ch != " ":
            continue
        elif roll < rate * 1.5:
            out.append(ch + ch)
        elif ch == " " and roll < rate * 3:
            continue
        else:
            out.append(ch)
    return "".join(out) or text


class Sheet:
    """Lines of text placed on one or more pages with a randomly chosen look."""

    def __init__(self, rng: random.Random, *, small: bool = False) -> None:
        self.rng = rng
        if small:
            self.width = rng.randint(700, 1100)
            self.height = int(self.width * rng.uniform(0.55, 0.7))
        else:
            self.width, self.height = rng.choice(PAGE_SIZES)
        self.cw = self.width * rng.uniform(0.007, 0.012) * (2.2 if small else 1.0)
        self.lh = self.cw * 1.9
        self.pitch = self.lh * rng.uniform(1.2, 1.8)
        self.margin = self.width * rng.uniform(0.05, 0.12)
        self.y = self.margin
        self.style = rng.choice(("colon", "columns", "stacked"))
        self.value_x = self.width * rng.uniform(0.3, 0.5)
        self.noise = rng.uniform(0.01, 0.05) if rng.random() < 0.3 else 0.0
        self.upper = rng.random() < 0.08
        self._pages: list[list[tuple[float, float, str]]] = [[]]
        self.truth: dict[str, str] = {}
        """What the generator printed, for evaluation: field name → value (ISO dates, amounts)."""
        self.transactions: list[dict[str, str]] = []
        """A statement's rows as printed: {"date": ISO day, "amount": signed amount}."""

    def _put(self, x: float, text: str, advance: bool = True) -> None:
        """Place text at x on the current line; move down one line when `advance`."""
        if self.y + self.lh > self.height - self.margin / 2:
            self._pages.append([])
            self.y = self.margin
        if text.strip():
            self._pages[-1].append((max(0.0, x), self.y, text.strip()))
        if advance:
            self.y += self.pitch

    def _right(self, text: str) -> float:
        return self.width - self.margin - self.cw * len(text)

    def line(self, text: str, *, right: bool = False) -> None:
        """Add one line, at the left margin or right-aligned."""
        self._put(self._right(text) if right else self.margin, text)

    def title(self, text: str) -> None:
        """Add a heading: left, centred or right, sometimes upper-case, then a gap."""
        where = self.rng.choice(("left", "centre", "right"))
        text = text.upper() if self.rng.random() < 0.4 else text
        centre = (self.width - self.cw * len(text)) / 2
        x = {"left": self.margin, "centre": centre, "right": self._right(text)}[where]
        self._put(x, text)
        self.gap()

    def gap(self) -> None:
        """Leave some vertical space."""
        self.y += self.pitch * self.rng.uniform(0.3, 1.5)

    def block(self, lines: list[str], *, right: bool = False) -> None:
        """Add an address-like block of lines, on the left or the right half."""
        x = self.width * 0.55 if right else self.margin
        for text in lines:
            self._put(x, text)
        self.gap()

    def pair(self, label: str, value: str, *, right: bool = False) -> None:
        """Add a label and its value in this sheet's style (same line, columns or stacked)."""
        if self.style == "colon":
            self.line(f"{label}: {value}")
        elif self.style == "stacked" and not right:
            self._put(self.margin, label)
            self._put(self.margin, value)
        else:
            self._put(self.margin, label, advance=False)
            self._put(self._right(value) if right else self.value_x, value)

    def table_head(self, *cells: str) -> None:
        """Add a table header row."""
        self.gap()
        self.row(*cells)

    def row(self, *cells: str) -> None:
        """Add a table row: the first cell at the margin, the others right-aligned in columns."""
        last = len(cells) - 1
        for n, cell in enumerate(cells):
            if n == 0:
                self._put(self.margin, cell, advance=last == 0)
                continue
            col_right = self.width - self.margin - (last - n) * self.width * 0.14
            self._put(col_right - self.cw * len(cell), cell, advance=n == last)

    def paragraphs(self, sentences: list[str], count: int) -> None:
        """Add `count` paragraphs of random sentences, wrapped to the text width."""
        per_line = max(20, int((self.width - 2 * self.margin) / self.cw))
        for _ in range(count):
            text = " ".join(self.rng.sample(sentences, min(len(sentences), 3)))
            row = ""
            for word in text.split():
                if row and len(row) + len(word) + 1 > per_line:
                    self.line(row)
                    row = ""
                row = f"{row} {word}".strip()
            self.line(row)
            self.gap()

    def pages(self) -> list[Page]:
        """Return the sheet as pages of words, with this sheet's noise and case applied."""
        out: list[Page] = []
        for index, placed in enumerate(p for p in self._pages if p):
            words: list[OcrWord] = []
            for key, (x, y, text) in enumerate(placed):
                if self.upper:
                    text = text.upper()
                if self.noise:
                    text = ocr_noise(text, self.rng, self.noise)
                box = Box(x0=x, y0=y, x1=min(x + self.cw * len(text), self.width), y1=y + self.lh)
                words.extend(split_line(text, box, 0.9 if self.noise else 1.0, key))
            out.append(build_page(index, self.width, self.height, words))
        return out


class Voice:
    """Random values in one language: names, addresses, codes, dates, amounts, word pools."""

    def __init__(self, rng: random.Random, lang: str) -> None:
        self.rng = rng
        self.lang = lang
        self.currency = {"en": rng.choice(("£", "$", "GBP", "€")), "de": "EUR|€", "fr": "€|EUR"}
        self.currency["nl"] = "€|EUR"
        self.cur = rng.choice(self.currency[lang].split("|"))
        self.sep = rng.choice((" ", ".")) if lang == "fr" else "."
        self.showed_currency = False
        """Whether any amount was printed with its currency (else the currency is unknown)."""

    def words(self, key: str) -> list[str]:
        """Return the word pool `key` in this language."""
        return WORDS[key][self.lang].split("|")

    def surname(self) -> str:
        """Return a random family name."""
        return self.rng.choice(self.words("surnames"))

    def person(self) -> str:
        """Return a random person's name, sometimes with a title."""
        name = f"{self.rng.choice(self.words('first_names'))} {self.surname()}"
        if self.rng.random() < 0.3:
            name = f"{self.rng.choice(self.words('titles'))} {name}"
        return name

    def company(self) -> str:
        """Return a random company name."""
        return f"{self.surname()} {self.rng.choice(self.words('company_suffixes'))}"

    def address(self) -> list[str]:
        """Return a street line and a postcode/city line."""
        street = self.rng.choice(self.words("streets"))
        n = self.rng.randint(1, 220)
        city = self.rng.choice(self.words("cities"))
        if self.lang == "de":
            return [f"{street} {n}", f"{self.rng.randint(10000, 99999)} {city}"]
        if self.lang == "nl":
            letters2 = "".join(self.rng.choices(string.ascii_uppercase, k=2))
            return [f"{street} {n}", f"{self.rng.randint(1000, 9999)} {letters2} {city}"]
        if self.lang == "fr":
            return [
                f"{n} {street}",
                f"{self.rng.randint(10, 95)}{self.rng.randint(0, 999):03d} {city}",
            ]
        letters = string.ascii_uppercase
        post = f"{self.rng.choice(letters)}{self.rng.choice(letters)}{self.rng.randint(1, 20)} "
        post += f"{self.rng.randint(1, 9)}{self.rng.choice(letters)}{self.rng.choice(letters)}"
        return [f"{n} {street}", f"{city} {post}"]

    def company_block(self) -> list[str]:
        """Return a company name and its address."""
        return [self.company(), *self.address()]

    def code(self) -> str:
        """Return a random reference: digits, letters and digits, or grouped digits."""
        kind = self.rng.randrange(3)
        if kind == 0:
            return str(self.rng.randint(10**5, 10**10))
        if kind == 1:
            head = "".join(self.rng.choices(string.ascii_uppercase, k=self.rng.randint(1, 3)))
            return f"{head}{self.rng.randint(10**4, 10**8)}"
        return " ".join(str(self.rng.randint(1000, 9999)) for _ in range(self.rng.randint(2, 4)))

    def iban(self) -> str:
        """Return an IBAN-shaped string for this language's country (not a valid one)."""
        country = {"en": "GB", "de": "DE", "fr": "FR", "nl": "NL"}[self.lang]
        digits = "".join(self.rng.choices(string.digits, k=20))
        return f"{country}{self.rng.randint(10, 99)} " + " ".join(
            digits[i : i + 4] for i in range(0, 20, 4)
        )

    def date_between(self, first_year: int, last_year: int) -> dt.date:
        """Return a random day between two years."""
        start = dt.date(first_year, 1, 1)
        return start + dt.timedelta(days=self.rng.randint(0, 365 * (last_year - first_year)))

    def future(self, day: dt.date) -> dt.date:
        """Return a day two to six weeks after `day`."""
        return day + dt.timedelta(days=self.rng.randint(14, 42))

    def day(self, day: dt.date, *, short: bool = False) -> str:
        """Format a day the way this language writes it."""
        month = MONTHS[self.lang].split("|")[day.month - 1]
        if short:
            return day.strftime(
                {"en": "%d %b", "de": "%d.%m.", "fr": "%d/%m", "nl": "%d-%m"}[self.lang]
            )
        if self.rng.random() < 0.4:
            return f"{day.day}{'.' if self.lang == 'de' else ''} {month} {day.year}"
        return day.strftime(
            {"en": "%d/%m/%Y", "de": "%d.%m.%Y", "fr": "%d/%m/%Y", "nl": "%d-%m-%Y"}[self.lang]
        )

    def month_label(self, day: dt.date) -> str:
        """Return a pay period: a month name and year, or a first-to-last-day range."""
        month = MONTHS[self.lang].split("|")[day.month - 1]
        if self.rng.random() < 0.5:
            return f"{month} {day.year}"
        end = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
        return f"{self.day(day)} - {self.day(end)}"

    def money(self, low: float, high: float) -> float:
        """Return a random amount between two bounds, in cents."""
        return round(self.rng.uniform(low, high), 2)

    def num(self, low: int, high: int) -> str:
        """Return a random quantity, whole or with decimals."""
        value = self.rng.uniform(low, high)
        return str(round(value)) if self.rng.random() < 0.5 else self.fmt(value, symbol=False)

    def fmt(self, amount: float, *, symbol: bool = True) -> str:
        """Format an amount in this language's style, sometimes with the currency."""
        text = f"{amount:,.2f}"
        if self.lang != "en":
            text = text.replace(",", "\x00").replace(".", ",").replace("\x00", self.sep)
        if not symbol or self.rng.random() < 0.5:
            return text
        self.showed_currency = True
        return f"{self.cur}{text}" if self.cur in "£$" else f"{text} {self.cur}"
