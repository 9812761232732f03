"""Print e-invoices' values as invoice PDFs with a text layer, in layouts the project never saw.

A held-out test for reading invoices without their XML (`paperclerk eval invoices DIR
--visual`): each `<id>.gt.json` of an e-invoice folder (`../shared/data/einvoices/ubl`,
`cii`) is drawn as a PDF — no XML embedded — and its `.gt.json` copied beside it, so the
answers are the e-invoice's exact values. Written apart from the extractor and sharing none
of its code or label tables; the extractor is never tuned on these files.

Each document draws, from the seed, one of four languages (EN, DE, FR, NL: titles, labels,
number and date formats), a letterhead (left, right or centred), a buyer address block with
or without a sender line above it, the invoice details as a label column or as a row of
boxes, a line table (position and unit columns or not; continued on further pages when
long), a totals block with one VAT line per rate, and the payment details either in a
sentence or in a footer with the seller's VAT id and bank account. Streets are made up from
syllables (the `.gt.json` holds none); everything compared comes from the `.gt.json`.

    python scripts/make_heldout_invoices.py ../shared/data/einvoices/ubl OUT --seed 1

`--limit N` draws the first N. Needs `reportlab` (BSD; `pip install reportlab`, a dev
tool, not a runtime dependency).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
W, H = A4
MARGIN = 50.0

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "INVOICE", "credit": "CREDIT NOTE", "number": "Invoice No.",
        "date": "Invoice date", "due": "Due date", "order": "Your order",
        "customer": "Bill to", "pos": "#", "desc": "Description", "qty": "Qty",
        "unit": "Unit", "price": "Unit price", "vat": "VAT", "amount": "Amount",
        "net": "Total excl. VAT", "tax": "VAT {rate} % on {basis}", "gross": "Total incl. VAT",
        "prepaid": "Paid in advance", "payable": "Amount due", "vatid": "VAT reg. no.",
        "pay": "Please transfer {amount} to IBAN {iban} by {due}, quoting {number}.",
        "pay_nodue": "Please transfer {amount} to IBAN {iban}, quoting {number}.",
        "bank": "Bank details", "page": "Page {n} of {m}", "carried": "Carried forward",
        "thanks": "Thank you for your business.",
    },
    "de": {
        "invoice": "RECHNUNG", "credit": "GUTSCHRIFT", "number": "Rechnungsnummer",
        "date": "Rechnungsdatum", "due": "Fällig am", "order": "Ihre Bestellung",
        "customer": "Rechnungsempfänger", "pos": "Pos.", "desc": "Bezeichnung", "qty": "Menge",
        "unit": "Einheit", "price": "Einzelpreis", "vat": "USt.", "amount": "Gesamt",
        "net": "Nettobetrag", "tax": "zzgl. {rate} % USt. auf {basis}", "gross": "Bruttobetrag",
        "prepaid": "Bereits gezahlt", "payable": "Zahlbetrag", "vatid": "USt-IdNr.",
        "pay": "Bitte überweisen Sie {amount} bis zum {due} auf IBAN {iban} (Verwendungszweck "
        "{number}).",
        "pay_nodue": "Bitte überweisen Sie {amount} auf IBAN {iban} (Verwendungszweck {number}).",
        "bank": "Bankverbindung", "page": "Seite {n} von {m}", "carried": "Übertrag",
        "thanks": "Vielen Dank für Ihren Auftrag.",
    },
    "fr": {
        "invoice": "FACTURE", "credit": "AVOIR", "number": "N° de facture",
        "date": "Date de facture", "due": "Date d'échéance", "order": "Votre commande",
        "customer": "Facturé à", "pos": "N°", "desc": "Désignation", "qty": "Qté",
        "unit": "Unité", "price": "Prix unitaire HT", "vat": "TVA", "amount": "Montant HT",
        "net": "Total HT", "tax": "TVA {rate} % sur {basis}", "gross": "Total TTC",
        "prepaid": "Acompte versé", "payable": "Net à payer", "vatid": "N° TVA intracom.",
        "pay": "Merci de régler {amount} avant le {due} sur l'IBAN {iban} (réf. {number}).",
        "pay_nodue": "Merci de régler {amount} sur l'IBAN {iban} (réf. {number}).",
        "bank": "Coordonnées bancaires", "page": "Page {n} / {m}", "carried": "Report",
        "thanks": "Merci de votre confiance.",
    },
    "nl": {
        "invoice": "FACTUUR", "credit": "CREDITNOTA", "number": "Factuurnummer",
        "date": "Factuurdatum", "due": "Vervaldatum", "order": "Uw bestelling",
        "customer": "Factuuradres", "pos": "Nr.", "desc": "Omschrijving", "qty": "Aantal",
        "unit": "Eenheid", "price": "Prijs per stuk", "vat": "Btw", "amount": "Bedrag",
        "net": "Totaal excl. btw", "tax": "Btw {rate} % over {basis}", "gross": "Totaal incl. btw",
        "prepaid": "Reeds betaald", "payable": "Te betalen", "vatid": "Btw-nummer",
        "pay": "Gelieve {amount} vóór {due} over te maken op IBAN {iban} o.v.v. {number}.",
        "pay_nodue": "Gelieve {amount} over te maken op IBAN {iban} o.v.v. {number}.",
        "bank": "Bankgegevens", "page": "Pagina {n} van {m}", "carried": "Transport",
        "thanks": "Dank voor uw opdracht.",
    },
}  # fmt: skip
STREET = {"en": "{} Road", "de": "{}straße", "fr": "rue {}", "nl": "{}laan"}
SYLLABLES = ("ber", "lin", "mar", "ko", "sta", "vel", "dor", "an", "ri", "tem", "hol", "wi")


def _fonts() -> None:
    pdfmetrics.registerFont(TTFont("Sans", str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont("Sans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))


def _date(text: Any) -> dt.date | None:
    s = "".join(ch for ch in str(text or "") if ch.isdigit())
    if len(s) < 8:
        return None
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def fmt_date(day: dt.date | None, lang: str, rng: random.Random) -> str:
    """Write a date the way an invoice in `lang` prints it."""
    if day is None:
        return ""
    if lang == "en":
        return rng.choice([day.strftime("%d %B %Y"), day.strftime("%d/%m/%Y"), day.isoformat()])
    if lang == "de":
        return day.strftime("%d.%m.%Y")
    if lang == "fr":
        return day.strftime("%d/%m/%Y")
    return day.strftime("%d-%m-%Y")


def fmt_amount(value: Any, lang: str, currency: str = "", *, places: int = 2) -> str:
    """Write an amount with the thousands and decimal separators of `lang`."""
    if value is None:
        return ""
    number = Decimal(str(value)).quantize(Decimal(1).scaleb(-places))
    text = f"{abs(number):,.{places}f}"
    if lang in ("de", "nl"):
        text = text.replace(",", "§").replace(".", ",").replace("§", ".")
    elif lang == "fr":
        text = text.replace(",", " ").replace(".", ",")
    sign = "-" if number < 0 else ""
    out = f"{sign}{text}"
    if not currency:
        return out
    return f"{out} {currency}" if lang in ("de", "fr", "nl") else f"{currency} {out}"


def _quantity(value: Any, lang: str) -> str:
    if value is None:
        return ""
    number = Decimal(str(value)).normalize()
    places = max(0, -number.as_tuple().exponent)  # type: ignore[operator]
    return fmt_amount(number, lang, places=min(int(places), 4))


class Page:
    """A canvas with a cursor-free `text` helper (top-left coordinates)."""

    def __init__(self, canvas: Canvas) -> None:
        self.c = canvas

    def text(self, x: float, y: float, s: str, size: float = 9, bold: bool = False,
             align: str = "left") -> None:  # fmt: skip
        """Draw `s` with its top at `y` points from the top of the page."""
        self.c.setFont("Sans-Bold" if bold else "Sans", size)
        base = H - y - size
        if align == "right":
            self.c.drawRightString(x, base, s)
        elif align == "centre":
            self.c.drawCentredString(x, base, s)
        else:
            self.c.drawString(x, base, s)

    def rule(self, y: float, x0: float = MARGIN, x1: float = W - MARGIN) -> None:
        """Draw a thin horizontal line at `y` from the top."""
        self.c.setLineWidth(0.5)
        self.c.line(x0, H - y, x1, H - y)


def _street(rng: random.Random, lang: str) -> str:
    name = "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{STREET[lang].format(name)} {rng.randint(1, 180)}"


def _town(party: dict[str, Any]) -> str:
    return " ".join(str(p) for p in (party.get("postcode"), party.get("city")) if p)


def draw(gt: dict[str, Any], out: Path, rng: random.Random) -> dict[str, Any]:
    """Draw one invoice PDF from its ground truth; return the layout choices made."""
    lang = rng.choice(list(WORDS))
    w = WORDS[lang]
    seller, buyer = gt.get("seller") or {}, gt.get("buyer") or {}
    totals = gt.get("totals") or {}
    cur = gt.get("currency") or ""
    issue, due = _date(gt.get("issue_date")), _date(gt.get("due_date"))
    head = rng.choice(["left", "right", "centre"])
    details = rng.choice(["column", "boxes"])
    pay = rng.choice(["sentence", "footer"])
    positions = rng.random() < 0.5
    sender_line = rng.random() < 0.6
    street_s, street_b = _street(rng, lang), _street(rng, lang)
    canvas = Canvas(str(out), pagesize=A4, invariant=True)
    canvas.setTitle(f"{w['invoice']} {gt.get('invoice_number') or ''}")
    p = Page(canvas)
    lines = gt.get("lines") or []
    per_first, per_next = 14, 30
    pages = 1 + max(0, -(-(len(lines) - per_first) // per_next))

    # letterhead
    name = str(seller.get("name") or "")
    x = {"left": MARGIN, "right": W - MARGIN, "centre": W / 2}[head]
    p.text(x, 40, name, 15, bold=True, align=head)
    p.text(x, 60, f"{street_s} · {_town(seller)} · {seller.get('country') or ''}", 8, align=head)
    # buyer block (window envelope position)
    y = 130.0
    if sender_line:
        p.text(MARGIN, y - 14, f"{name} · {street_s} · {_town(seller)}", 6)
    else:
        p.text(MARGIN, y - 14, w["customer"], 8, bold=True)
    for row in (buyer.get("name"), street_b, _town(buyer), buyer.get("country")):
        if row:
            p.text(MARGIN, y, str(row), 10)
            y += 13
    if buyer.get("vat_id"):
        p.text(MARGIN, y, f"{w['vatid']} {buyer['vat_id']}", 8)
    # title and details
    title = w["credit"] if str(gt.get("type_code")) == "381" else w["invoice"]
    rows = [
        (w["number"], str(gt.get("invoice_number") or "")),
        (w["date"], fmt_date(issue, lang, rng)),
    ]
    if due:
        rows.append((w["due"], fmt_date(due, lang, rng)))
    if gt.get("order_reference"):
        rows.append((w["order"], str(gt["order_reference"])))
    if details == "column":
        p.text(W - MARGIN - 200, 110, title, 16, bold=True)
        yy = 135.0
        for label, value in rows:
            p.text(W - MARGIN - 200, yy, label, 8)
            p.text(W - MARGIN, yy, value, 9, align="right")
            yy += 13
        y = max(y, yy) + 30
    else:
        y = max(y, 190.0)
        p.text(MARGIN, y, title, 16, bold=True)
        y += 26
        width = (W - 2 * MARGIN) / len(rows)
        for i, (label, value) in enumerate(rows):
            p.text(MARGIN + i * width, y, label, 7)
            p.text(MARGIN + i * width, y + 10, value, 9, bold=True)
        y += 40

    # line table
    cols: list[tuple[str, float, str]] = []
    if positions:
        cols.append((w["pos"], MARGIN, "left"))
    desc_x = MARGIN + (28 if positions else 0)
    cols += [
        (w["desc"], desc_x, "left"),
        (w["qty"], 330, "right"),
        (w["unit"], 340, "left"),
        (w["price"], 440, "right"),
        (w["vat"], 480, "right"),
        (w["amount"], W - MARGIN, "right"),
    ]

    def header(y: float) -> float:
        for label, cx, align in cols:
            p.text(cx, y, label, 8, bold=True, align=align)
        p.rule(y + 12)
        return y + 18

    y = header(y)
    page = 1
    running = Decimal(0)
    for i, line in enumerate(lines):
        if (page == 1 and i == per_first) or (page > 1 and i == per_first + per_next * (page - 1)):
            p.rule(y)
            p.text(W - MARGIN - 150, y + 4, w["carried"], 8)
            p.text(W - MARGIN, y + 4, fmt_amount(running, lang), 8, align="right")
            p.text(W / 2, H - 30, w["page"].format(n=page, m=pages), 7, align="centre")
            canvas.showPage()
            page += 1
            p.text(MARGIN, 40, f"{name} — {title} {gt.get('invoice_number') or ''}", 8)
            p.text(W - MARGIN - 150, 60, w["carried"], 8)
            p.text(W - MARGIN, 60, fmt_amount(running, lang), 8, align="right")
            y = header(80)
        cells = [
            *([str(line.get("id") or i + 1)] if positions else []),
            str(line.get("name") or "")[:48],
            _quantity(line.get("quantity"), lang),
            str(line.get("unit") or "")[:8],
            fmt_amount(line.get("net_price"), lang, places=2),
            f"{_quantity(line.get('vat_rate'), lang)} %"
            if line.get("vat_rate") is not None
            else "",
            fmt_amount(line.get("line_total"), lang),
        ]
        for (_, cx, align), value in zip(cols, cells, strict=True):
            if value:
                p.text(cx, y, value, 8, align=align)
        running += Decimal(str(line.get("line_total") or 0))
        y += 13

    # totals
    p.rule(y + 2)
    y += 10
    label_x, value_x = W - MARGIN - 230, W - MARGIN
    sums: list[tuple[str, Any, bool]] = [(w["net"], totals.get("tax_basis_total"), False)]
    for group in gt.get("vat_breakdown") or []:
        label = w["tax"].format(
            rate=_quantity(group.get("rate"), lang), basis=fmt_amount(group.get("basis"), lang)
        )
        sums.append((label, group.get("amount"), False))
    sums.append((w["gross"], totals.get("grand_total"), True))
    if totals.get("prepaid"):
        sums.append((w["prepaid"], totals.get("prepaid"), False))
        sums.append((w["payable"], totals.get("due_payable"), True))
    elif totals.get("due_payable") not in (None, totals.get("grand_total")):
        sums.append((w["payable"], totals.get("due_payable"), True))
    for label, value, bold in sums:
        if value is None:
            continue
        p.text(label_x, y, label, 8, bold=bold)
        p.text(value_x, y, fmt_amount(value, lang, cur), 9, bold=bold, align="right")
        y += 13

    # payment
    iban = gt.get("payee_iban")
    amount = fmt_amount(totals.get("due_payable") or totals.get("grand_total"), lang, cur)
    if iban and pay == "sentence":
        key = "pay" if due else "pay_nodue"
        sentence = w[key].format(
            amount=amount, iban=iban, due=fmt_date(due, lang, rng), number=gt.get("invoice_number")
        )
        p.text(MARGIN, y + 20, sentence, 8)
    p.text(MARGIN, y + 40, w["thanks"], 8)
    footer = [f"{name} · {street_s} · {_town(seller)}"]
    if seller.get("vat_id"):
        footer.append(f"{w['vatid']}: {seller['vat_id']}")
    if iban and pay == "footer":
        footer.append(f"{w['bank']}: IBAN {iban}")
    p.rule(H - 70)
    for k, row in enumerate(footer):
        p.text(W / 2, H - 64 + 10 * k, row, 7, align="centre")
    p.text(W / 2, H - 30, w["page"].format(n=page, m=pages), 7, align="centre")
    canvas.showPage()
    canvas.save()
    return {"lang": lang, "head": head, "details": details, "pay": pay, "pages": pages}


def main() -> None:
    """Draw every `.gt.json` of SOURCE (a folder or several) into OUT."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sources", type=Path, nargs="+", help="e-invoice folders, then OUT")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit", type=int, default=0)
    args = parser.parse_args()
    *sources, out = args.sources
    out.mkdir(parents=True, exist_ok=True)
    _fonts()
    rng = random.Random(args.seed)
    truths = sorted(gt for src in sources for gt in src.glob("*.gt.json"))
    if args.limit:
        truths = truths[: args.limit]
    layouts: dict[str, Any] = {}
    for gt_path in truths:
        stem = gt_path.name[: -len(".gt.json")]
        gt = json.loads(gt_path.read_text(encoding="utf-8"))
        layouts[stem] = draw(gt, out / f"{stem}.pdf", rng)
        shutil.copyfile(gt_path, out / f"{stem}.gt.json")
    (out / "layouts.json").write_text(json.dumps(layouts, indent=1), encoding="utf-8")
    print(f"{len(truths)} invoices drawn into {out}")


if __name__ == "__main__":
    main()
