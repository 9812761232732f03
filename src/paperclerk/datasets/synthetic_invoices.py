"""SYNTHETIC invoices in English, German, French and Dutch, beside the real ones.

The real invoices of the corpus (invoice2data, DocILE, the Factur-X PDFs) are mostly
English and German; these generated ones make sure the invoice words of each language are
seen (Invoice / Rechnung / Facture / Factuur, VAT / USt. / TVA / BTW, Due date / Fällig /
Échéance / Vervaldatum, Total / Gesamtbetrag / Montant TTC / Totaal …). Seeded: the same seed
gives the same pages. They are few next to the real invoices, so real layouts still lead.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from paperclerk.datasets.synthetic_sheet import Sheet, Voice
from paperclerk.model import Page

INVOICE_LANGS = ("en", "de", "fr", "nl")

# Per language: '|'-separated alternatives for each part of an invoice.
VOCAB: dict[str, dict[str, str]] = {
    "title": {
        "en": "INVOICE|Invoice|Tax Invoice|VAT Invoice|Commercial Invoice",
        "de": "RECHNUNG|Rechnung|Rechnung Nr.|Schlussrechnung|Teilrechnung",
        "fr": "FACTURE|Facture|Facture n°|Facture d'acompte",
        "nl": "FACTUUR|Factuur|Factuur nr.|Verkoopfactuur",
    },
    "number": {
        "en": "Invoice number|Invoice No.|Invoice #",
        "de": "Rechnungsnummer|Rechnungs-Nr.|Belegnummer",
        "fr": "Numéro de facture|N° de facture|Facture n°",
        "nl": "Factuurnummer|Factuurnr.|Nummer",
    },
    "date": {
        "en": "Invoice date|Date|Tax point",
        "de": "Rechnungsdatum|Datum|Leistungsdatum",
        "fr": "Date de facture|Date d'émission|Date",
        "nl": "Factuurdatum|Datum|Leverdatum",
    },
    "due": {
        "en": "Due date|Payment due|Pay by",
        "de": "Fällig am|Zahlbar bis|Fälligkeitsdatum",
        "fr": "Échéance|Date d'échéance|À payer avant le",
        "nl": "Vervaldatum|Te betalen voor|Uiterste betaaldatum",
    },
    "customer": {
        "en": "Bill to|Customer|Invoice to",
        "de": "Rechnungsempfänger|Kunde|Kundennummer",
        "fr": "Client|Facturé à|Adresse de facturation",
        "nl": "Klant|Factuuradres|Klantnummer",
    },
    "head": {
        "en": "Description|Qty|Unit price|Amount",
        "de": "Bezeichnung|Menge|Einzelpreis|Betrag",
        "fr": "Désignation|Quantité|Prix unitaire HT|Montant HT",
        "nl": "Omschrijving|Aantal|Prijs|Bedrag",
    },
    "items": {
        "en": "Consulting services|Software licence|Maintenance|Hosting|Installation|Training|"
        "Office chairs|Printer toner|Travel expenses|Project management",
        "de": "Beratungsleistung|Softwarelizenz|Wartung|Hosting|Montage|Schulung|Bürostühle|"
        "Druckerpatronen|Reisekosten|Projektleitung",
        "fr": "Prestation de conseil|Licence logiciel|Maintenance|Hébergement|Installation|"
        "Formation|Fauteuils de bureau|Cartouches d'encre|Frais de déplacement",
        "nl": "Advieswerkzaamheden|Softwarelicentie|Onderhoud|Hosting|Installatie|Training|"
        "Bureaustoelen|Printertoner|Reiskosten|Projectbegeleiding",
    },
    "net": {
        "en": "Subtotal|Net amount|Total excl. VAT",
        "de": "Nettobetrag|Zwischensumme|Summe netto",
        "fr": "Total HT|Montant HT|Sous-total",
        "nl": "Subtotaal|Totaal excl. BTW|Netto bedrag",
    },
    "tax": {
        "en": "VAT 20%|VAT|Sales tax",
        "de": "USt. 19%|MwSt. 19%|Umsatzsteuer 7%",
        "fr": "TVA 20%|TVA 5,5%|Montant TVA",
        "nl": "BTW 21%|BTW 9%|BTW-bedrag",
    },
    "total": {
        "en": "Total|Amount due|Total due|Balance due",
        "de": "Gesamtbetrag|Rechnungsbetrag|Zu zahlen|Endbetrag",
        "fr": "Montant TTC|Total TTC|Net à payer|Montant total",
        "nl": "Totaal|Totaal incl. BTW|Te betalen|Totaalbedrag",
    },
    "vat_id": {
        "en": "VAT Reg No.|VAT number",
        "de": "USt-IdNr.|Steuernummer",
        "fr": "N° TVA intracommunautaire|SIRET",
        "nl": "BTW-nummer|KvK-nummer",
    },
    "terms": {
        "en": "Payment terms: 30 days net.|Please pay within 14 days.|Thank you for your business.",
        "de": "Zahlbar innerhalb von 14 Tagen ohne Abzug.|Bitte überweisen Sie den Betrag "
        "unter Angabe der Rechnungsnummer.",
        "fr": "Paiement à 30 jours.|Pénalités de retard : trois fois le taux d'intérêt légal.|"
        "Indemnité forfaitaire pour frais de recouvrement : 40 €.",
        "nl": "Gelieve binnen 30 dagen te betalen.|Betaling binnen 14 dagen na factuurdatum.|"
        "Vermeld bij betaling het factuurnummer.",
    },
}


def _say(v: Voice, key: str) -> str:
    """Return one alternative of the invoice vocabulary `key` in the voice's language."""
    return v.rng.choice(VOCAB[key][v.lang].split("|"))


def invoice(v: Voice, sh: Sheet) -> None:
    """Lay out an invoice: seller, title, number, dates, customer, lines, totals, payment."""
    issued = v.date_between(2019, 2025)
    sh.block(v.company_block())
    sh.title(_say(v, "title"))
    sh.pair(_say(v, "number"), v.code())
    sh.pair(_say(v, "date"), v.day(issued))
    sh.block([_say(v, "customer"), v.company(), *v.address()], right=v.rng.random() < 0.5)
    head = VOCAB["head"][v.lang].split("|")
    sh.table_head(head[0], head[1], head[2], head[3])
    net = 0.0
    for item in v.rng.sample(VOCAB["items"][v.lang].split("|"), v.rng.randint(1, 6)):
        qty = v.rng.randint(1, 20)
        price = v.money(5, 900)
        net += qty * price
        sh.row(item, str(qty), v.fmt(price, symbol=False), v.fmt(qty * price, symbol=False))
    tax = round(net * v.rng.choice((0.05, 0.09, 0.19, 0.2, 0.21)), 2)
    sh.pair(_say(v, "net"), v.fmt(net), right=True)
    sh.pair(_say(v, "tax"), v.fmt(tax), right=True)
    sh.pair(_say(v, "total"), v.fmt(net + tax), right=True)
    sh.pair(_say(v, "due"), v.day(issued + dt.timedelta(days=v.rng.choice((14, 30, 60)))))
    sh.line(_say(v, "terms"))
    sh.pair("IBAN", v.iban())
    if v.rng.random() < 0.6:
        sh.pair(_say(v, "vat_id"), v.code())


def synthetic_invoices(count: int, seed: int) -> Iterator[tuple[list[Page], str]]:
    """Yield `count` synthetic invoices (pages, language), the languages taken in turn."""
    rng = random.Random(seed)
    for n in range(count):
        lang = INVOICE_LANGS[n % len(INVOICE_LANGS)]
        sheet = Sheet(rng)
        invoice(Voice(rng, lang), sheet)
        yield sheet.pages(), lang
