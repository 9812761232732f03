"""SYNTHETIC seed documents for the document types that have no real examples yet.

These pages are generated, not real: payslips, bank statements, utility bills and `other`
(letters, menus, contracts, forms, lists, notes and cards) in English, German, French and
Dutch,
with random names, amounts, dates and layouts, and OCR-like noise on some of them. They
exist only so the classifier knows these types at all. Replace them with real documents
confirmed in review as soon as there are some: a model that has only seen these templates
will miss real documents laid out differently, and cross-validation scores on synthetic
pages say little about accuracy on real ones. Generation is seeded, so the same seed gives
the same pages.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator

from paperclerk.datasets.synthetic_sheet import Sheet, Voice
from paperclerk.model import DocType, Page

SYNTHETIC_TYPES = (
    DocType.PAYSLIP,
    DocType.BANK_STATEMENT,
    DocType.UTILITY_BILL,
    DocType.OTHER,
)
LANGS = ("en", "de", "fr", "nl")


def _pick(rng: random.Random, options: str) -> str:
    """Choose one of several '|'-separated alternatives."""
    return rng.choice(options.split("|"))


def _tr(v: Voice, en: str, de: str, fr: str, nl: str) -> str:
    """Choose the text for the sheet's language, then one of its '|' alternatives."""
    return _pick(v.rng, {"en": en, "de": de, "fr": fr, "nl": nl}[v.lang])


def _month_end(day: dt.date) -> dt.date:
    """Return the last day of the day's month."""
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _all(v: Voice, en: str, de: str, fr: str, nl: str) -> list[str]:
    """Return every '|'-separated part of the text for the sheet's language."""
    return {"en": en, "de": de, "fr": fr, "nl": nl}[v.lang].split("|")


def payslip(v: Voice, sh: Sheet) -> None:
    """Lay out a payslip: employer, employee, period, earnings, deductions, gross and net pay."""
    start = v.date_between(2019, 2025).replace(day=1)
    sh.title(
        _tr(
            v,
            "PAYSLIP|Payslip|Pay Slip|Salary Statement|Earnings Statement|Pay Advice",
            "Gehaltsabrechnung|Entgeltabrechnung|Lohnabrechnung|Verdienstabrechnung",
            "BULLETIN DE PAIE|Bulletin de salaire|Bulletin de paie",
            "LOONSTROOK|Loonstrook|Salarisstrook|Salarisspecificatie",
        )
    )
    employer = v.company_block()
    sh.block(employer)
    sh.truth["employer"] = employer[0]
    period_label = _tr(
        v,
        "Pay period|Period|Pay date",
        "Abrechnungsmonat|Zeitraum|Monat",
        "Période du|Période|Paie du",
        "Periode|Loonperiode|Tijdvak",
    )
    sh.pair(period_label, v.month_label(start))
    sh.truth["period_start"] = start.isoformat()
    sh.truth["period_end"] = _month_end(start).isoformat()
    employee_label = _tr(
        v,
        "Employee|Employee name|Name",
        "Mitarbeiter|Name|Arbeitnehmer",
        "Salarié|Nom du salarié|Nom",
        "Werknemer|Naam werknemer|Naam",
    )
    employee = v.person()
    sh.truth["employee"] = employee
    sh.pair(employee_label, employee)
    sh.pair(
        _tr(
            v,
            "Employee ID|Employee No.|Payroll number",
            "Personalnummer|Personal-Nr.",
            "Matricule|N° salarié",
            "Personeelsnummer|Personeelsnr.",
        ),
        str(v.rng.randint(1000, 99999)),
    )
    extra = {
        "en": ["Tax code|1257L", "NI number|NI No.", "Department|Dept.", "Job title|Position"],
        "de": [
            "Steuerklasse|StKl",
            "Krankenkasse|KK",
            "Eintrittsdatum|Eintritt",
            "Steuer-ID|SV-Nummer",
        ],
        "fr": [
            "N° sécurité sociale|N° SS",
            "Emploi|Poste",
            "Coefficient|Niveau",
            "Convention collective|Date d'entrée",
        ],
        "nl": [
            "Loonheffingskorting|Tabel loonheffing",
            "BSN|Burgerservicenummer",
            "Afdeling|Kostenplaats",
            "Functie|Salarisschaal",
        ],
    }[v.lang]
    for label in v.rng.sample(extra, 3):
        sh.pair(_pick(v.rng, label), v.code())
    gross = v.money(1800, 7500)
    earn = {
        "en": "Basic salary|Basic pay|Overtime|Bonus|Holiday pay|Commission|Shift allowance",
        "de": "Grundgehalt|Gehalt|Überstunden|Zulage|Urlaubsgeld|VWL AG-Anteil|Prämie",
        "fr": "Salaire de base|Heures supplémentaires|Prime d'ancienneté|Prime|Indemnité",
        "nl": "Salaris|Basisloon|Overuren|Vakantiegeld|Ploegentoeslag|Reiskostenvergoeding|"
        "Eindejaarsuitkering|Bonus",
    }[v.lang].split("|")
    ded = {
        "en": "Income tax|PAYE tax|National Insurance|Pension|Student loan|Health insurance",
        "de": "Lohnsteuer|Solidaritätszuschlag|Kirchensteuer|KV-Beitrag|RV-Beitrag|"
        "AV-Beitrag|PV-Beitrag",
        "fr": "Sécurité sociale plafonnée|Retraite complémentaire|CSG déductible|"
        "CSG/CRDS non déductible|Assurance chômage|Mutuelle|Prévoyance",
        "nl": "Loonheffing|Pensioenpremie|Premie WW|WGA-premie|Bijdrage Zvw|"
        "Personeelsvereniging|Zorgverzekering",
    }[v.lang].split("|")
    sh.table_head(
        _tr(v, "Description|Earnings", "Bezeichnung|Lohnart", "Rubrique|Libellé", "Omschrijving"),
        _tr(v, "Units|Hours|Rate", "Menge|Stunden|Satz", "Base|Taux|Nombre", "Aantal|Uren|Tarief"),
        _tr(v, "Amount|This period", "Betrag|Brutto", "Montant|À payer", "Bedrag|Deze periode"),
    )
    for name in v.rng.sample(earn, v.rng.randint(2, 4)):
        sh.row(name, v.num(1, 180), v.fmt(v.money(50, 4000)))
    sh.pair(
        _tr(
            v,
            "Gross pay|Total gross pay|Total earnings",
            "Gesamtbrutto|Bruttobezüge",
            "Salaire brut|Total brut",
            "Brutoloon|Bruto salaris|Totaal bruto",
        ),
        v.fmt(gross),
        right=True,
    )
    sh.truth["gross_pay"] = f"{gross:.2f}"
    sh.table_head(
        _tr(v, "Deductions", "Abzüge|Gesetzliche Abzüge", "Cotisations|Retenues", "Inhoudingen"),
        _tr(v, "Rate|%", "Satz|%", "Taux|Part salariale", "Tarief|%"),
        "",
    )
    total_ded = 0.0
    for name in v.rng.sample(ded, v.rng.randint(3, 5)):
        amount = round(gross * v.rng.uniform(0.01, 0.12), 2)
        total_ded += amount
        sh.row(name, f"{v.rng.uniform(0.5, 20):.2f}", v.fmt(amount))
    sh.pair(
        _tr(
            v,
            "Total deductions",
            "Summe Abzüge|Gesetzliche Abzüge gesamt",
            "Total des cotisations|Total retenues",
            "Totaal inhoudingen",
        ),
        v.fmt(total_ded),
        right=True,
    )
    sh.pair(
        _tr(
            v,
            "NET PAY|Net pay|Take home pay",
            "Nettoverdienst|Auszahlungsbetrag|Netto",
            "NET À PAYER|Net payé|Net à payer avant impôt",
            "Nettoloon|Netto uit te betalen|Netto salaris|Uit te betalen",
        ),
        v.fmt(gross - total_ded),
        right=True,
    )
    sh.truth["net_pay"] = f"{gross - total_ded:.2f}"
    if v.rng.random() < 0.6:
        sh.pair(
            _tr(
                v,
                "Year to date|YTD gross|Taxable pay YTD",
                "Jahressumme|Kumuliert",
                "Cumul annuel|Cumul imposable",
                "Cumulatief|Cumulatieven|Jaartotaal",
            ),
            v.fmt(gross * start.month),
            right=True,
        )
    sh.pair(
        _tr(
            v,
            "Paid to account|Payment method",
            "Überweisung an|Bankverbindung",
            "Payé par virement|Mode de paiement",
            "Overgemaakt op rekening|Uitbetaald op rekening",
        ),
        v.iban() if v.rng.random() < 0.4 else f"****{v.rng.randint(1000, 9999)}",
    )
    if v.rng.random() < 0.5:
        sh.line(
            _tr(
                v,
                "Please keep this payslip for your records.|Private and confidential",
                "Bitte bewahren Sie diese Abrechnung auf.|Vertraulich",
                "Conservez ce bulletin sans limitation de durée.|Confidentiel",
                "Bewaar deze loonstrook bij uw administratie.|Persoonlijk en vertrouwelijk",
            )
        )


def bank_statement(v: Voice, sh: Sheet) -> None:
    """Lay out a bank statement: bank, holder, account, period, balances and transaction rows."""
    start = v.date_between(2019, 2025)
    bank = v.rng.choice(v.words("banks"))
    sh.title(bank)
    sh.truth["bank"] = bank
    sh.line(
        _tr(
            v,
            "Statement of Account|Bank Statement|Account Statement|Current Account",
            "Kontoauszug|Kontoauszug Girokonto|Finanzstatus",
            "Relevé de compte|Relevé bancaire|Extrait de compte",
            "Rekeningafschrift|Bankafschrift|Afschrift|Dagafschrift",
        )
    )
    holder = v.person()
    sh.block([holder, *v.address()])
    sh.truth["account_holder"] = holder
    sh.pair(
        _tr(
            v,
            "Account number|Account No.|Sort code",
            "Kontonummer|Konto-Nr.|Auszug Nr.",
            "N° de compte|Compte n°|Numéro de compte",
            "Rekeningnummer|Rekeningnr.|Afschriftnummer",
        ),
        v.code(),
    )
    if v.rng.random() < 0.6:
        iban = v.iban()
        sh.pair("IBAN", iban)
        sh.truth["iban"] = iban.replace(" ", "")
    sh.pair(
        _tr(
            v,
            "Statement period|Period",
            "Zeitraum|Auszugszeitraum",
            "Période|Du",
            "Periode|Afschriftperiode",
        ),
        f"{v.day(start)} - {v.day(start + dt.timedelta(days=30))}",
    )
    sh.truth["period_start"] = start.isoformat()
    sh.truth["period_end"] = (start + dt.timedelta(days=30)).isoformat()
    balance = v.money(-500, 9000)
    sh.truth["opening_balance"] = f"{balance:.2f}"
    sh.pair(
        _tr(
            v,
            "Opening balance|Balance brought forward|Previous balance",
            "Alter Kontostand|Anfangssaldo|Saldo alt",
            "Solde précédent|Ancien solde|Solde au",
            "Beginsaldo|Vorig saldo|Oud saldo",
        ),
        v.fmt(balance),
        right=True,
    )
    sh.table_head(
        _tr(
            v,
            "Date|Posting date",
            "Buchungstag|Datum",
            "Date|Date opé.",
            "Datum|Boekdatum|Rentedatum",
        ),
        _tr(
            v,
            "Description|Details|Transaction",
            "Verwendungszweck|Vorgang",
            "Libellé|Opération|Nature de l'opération",
            "Omschrijving|Mededelingen|Naam / Omschrijving",
        ),
        _tr(
            v,
            "Paid out|Paid in|Debit|Credit|Balance",
            "Soll|Haben|Betrag|Wert",
            "Débit|Crédit|Montant",
            "Af|Bij|Bedrag|Saldo",
        ),
    )
    kinds = v.words("bank_ops")
    day = start
    for _ in range(v.rng.randint(6, 34)):
        day += dt.timedelta(days=v.rng.randint(0, 3))
        amount = v.money(-900, 600) if v.rng.random() < 0.85 else v.money(800, 4000)
        balance += amount
        text = f"{v.rng.choice(kinds)} {v.rng.choice(v.words('shops'))}".upper()
        sh.row(v.day(day, short=True), text, v.fmt(amount), v.fmt(balance))
        sh.transactions.append({"date": day.isoformat(), "amount": f"{amount:.2f}"})
    sh.truth["closing_balance"] = f"{balance:.2f}"
    sh.pair(
        _tr(
            v,
            "Closing balance|Balance carried forward|New balance",
            "Neuer Kontostand|Endsaldo|Saldo neu",
            "Nouveau solde|Solde créditeur au|Solde final",
            "Eindsaldo|Nieuw saldo",
        ),
        v.fmt(balance),
        right=True,
    )
    sh.line(
        _tr(
            v,
            "Your deposits are protected up to 85,000 GBP.|Overdraft limit",
            "Einlagen sind bis 100.000 EUR gesichert.|Dispositionskredit|"
            "Bitte prüfen Sie Ihren Kontoauszug.",
            "Vos dépôts sont garantis jusqu'à 100 000 EUR.|Découvert autorisé",
            "Uw tegoed valt onder het depositogarantiestelsel tot 100.000 EUR.|Kredietlimiet|"
            "Controleer de mutaties op dit afschrift.",
        )
    )


def _meter_readings(v: Voice, sh: Sheet, old: int, used: int, unit: str) -> None:
    """Print a bill's meter readings and the consumption they give."""
    sh.table_head(
        *_all(
            v,
            "Meter reading|Previous|Current",
            "Zählerstand|alt|neu",
            "Relevé|Ancien index|Nouvel index",
            "Meterstand|Beginstand|Eindstand",
        )
    )
    meter = _tr(v, "Meter|Meter no.", "Zähler|Zählernummer", "Compteur|N° compteur", "Meter")
    sh.row(
        f"{meter} {v.code()}",
        str(old),
        str(old + used),
    )
    sh.pair(
        _tr(
            v,
            "Units used|Consumption",
            "Verbrauch|Verbrauch gesamt",
            "Consommation|Votre consommation",
            "Verbruik|Uw verbruik|Verbruik deze periode",
        ),
        f"{used} {unit}",
    )


def utility_bill(v: Voice, sh: Sheet) -> None:
    """Lay out an electricity, gas or water bill: supply, meter readings, consumption, charges."""
    kind = v.rng.choice(("power", "gas", "water"))
    unit = {"power": "kWh", "gas": v.rng.choice(("kWh", "m³")), "water": "m³"}[kind]
    provider = f"{v.surname()} {v.rng.choice(v.words('energy_names'))}"
    sh.title(provider)
    sh.line(v.rng.choice(v.words(f"bill_{kind}")))
    customer, address = v.person(), v.address()
    sh.block([customer, *address])
    sh.truth.update(provider=provider, customer_name=customer, customer_address=", ".join(address))
    # Many real bills are short, invoice-like pages (readings and consumption overleaf):
    # leave those out now and then, so the model learns the supply words, not the table.
    short = v.rng.random() < 0.35
    for label in v.rng.sample(v.words("bill_labels"), v.rng.randint(2, 3) if short else 4):
        sh.pair(label, v.code())
    start = v.date_between(2019, 2025)
    sh.pair(
        v.rng.choice(v.words("bill_period")), f"{v.day(start)} - {v.day(start + dt.timedelta(92))}"
    )
    old = v.rng.randint(1000, 90000)
    used = v.rng.randint(20, 3000) if unit == "kWh" else v.rng.randint(5, 120)
    if not short:
        _meter_readings(v, sh, old, used, unit)
    else:
        sh.table_head(
            _tr(v, "Description|Charges", "Position|Leistung", "Détail|Désignation",
                "Omschrijving|Specificatie"),
            _tr(v, "Amount", "Betrag", "Montant", "Bedrag"),
        )  # fmt: skip
    rate = v.rng.uniform(0.08, 0.45)
    charges = v.words("bill_charges")
    sh.row(f"{charges[0]} {rate:.4f} /{unit}", v.fmt(used * rate))
    for name in v.rng.sample(charges[1:], 3):
        sh.row(name, v.fmt(v.money(2, 60)))
    total = used * rate * v.rng.uniform(1.1, 1.4)
    sh.pair(
        _tr(
            v,
            "Total amount due|Amount due|Total to pay",
            "Rechnungsbetrag|Nachzahlung|Gesamtbetrag",
            "Montant TTC|Total à payer|Montant à payer",
            "Te betalen|Totaal te betalen|Totaalbedrag|Nog te betalen",
        ),
        v.fmt(total),
        right=True,
    )
    sh.truth["amount_due"] = f"{round(total, 2):.2f}"
    collect = _tr(
        v,
        "We will collect this by Direct Debit on|Please pay by|Due date:",
        "Der Betrag wird per Lastschrift eingezogen am|Ihr neuer Abschlag ab|Fällig am:",
        "Prélèvement automatique le|À régler avant le|Date d'échéance :",
        "Vervaldatum|Uiterste betaaldatum|Graag betalen vóór|"
        "Wij schrijven het bedrag automatisch af op|Uw nieuwe termijnbedrag gaat in op",
    )
    due = v.future(start)
    sh.line(f"{collect} {v.day(due)}")
    # the next instalment's date, not this bill's due date
    if collect not in ("Ihr neuer Abschlag ab", "Uw nieuwe termijnbedrag gaat in op"):
        sh.truth["due_date"] = due.isoformat()
    if v.rng.random() < 0.4:
        sh.pair(
            _tr(
                v,
                "Paying from|IBAN",
                "Ihre Bankverbindung|IBAN",
                "Mandat SEPA|IBAN",
                "Uw rekeningnummer|Incasso van rekening|IBAN",
            ),
            v.iban(),
        )
    sh.line(
        _tr(
            v,
            "Emergency line 0800 111 999|Gas emergency: 0800 111 999",
            "Störungsnummer 0800 1234 567|Entstörungsdienst",
            "Dépannage 24h/24 09 72 67 50 XX|Urgence sécurité gaz",
            "Storingsnummer 0800 1234 567|Storingen en gaslucht: bel 0800 9009",
        )
    )


def letter(v: Voice, sh: Sheet) -> None:
    """Lay out a letter: sender, recipient, date, subject, salutation, paragraphs, closing."""
    sh.block([v.person(), *v.address()])
    sh.gap()
    sh.block([v.person(), *v.address()], right=v.rng.random() < 0.4)
    sh.line(v.day(v.date_between(2015, 2025)), right=True)
    sh.line(
        _tr(v, "Re: |Subject: |", "Betreff: |", "Objet : |", "Betreft: |Onderwerp: |")
        + v.rng.choice(v.words("topics"))
    )
    sh.line(
        _tr(
            v,
            "Dear Sir or Madam,|Dear Mr {n},|Dear {n},|Hello {n},",
            "Sehr geehrte Damen und Herren,|Sehr geehrter Herr {n},|Liebe {n},",
            "Madame, Monsieur,|Cher {n},|Bonjour {n},",
            "Geachte heer, mevrouw,|Geachte heer {n},|Geachte mevrouw {n},|Beste meneer {n},",
        ).replace("{n}", v.surname())
    )
    sh.paragraphs(v.words("sentences"), v.rng.randint(2, 5))
    sh.line(
        _tr(
            v,
            "Yours sincerely,|Kind regards,|Best wishes,",
            "Mit freundlichen Grüßen|Viele Grüße",
            "Cordialement,|Bien à vous,",
            "Met vriendelijke groet,|Hoogachtend,|Met vriendelijke groeten,",
        )
    )
    sh.line(v.person())


def menu(v: Voice, sh: Sheet) -> None:
    """Lay out a restaurant menu: sections of dishes with prices (prices, but not a receipt)."""
    prefix = _tr(v, "The|Chez|", "Gasthaus|Restaurant|", "Chez|Le|La", "Eetcafé|Restaurant|")
    sh.title(f"{prefix} {v.surname()}")
    sh.line(
        _tr(
            v,
            "MENU|Lunch Menu|Dinner",
            "Speisekarte|Tageskarte",
            "La Carte|Menu du jour",
            "Menukaart|Lunchkaart|Dagmenu",
        )
    )
    dishes = v.words("dishes")
    for section in v.rng.sample(v.words("menu_sections"), v.rng.randint(2, 4)):
        sh.gap()
        sh.line(section.upper())
        for dish in v.rng.sample(dishes, v.rng.randint(3, 6)):
            sh.row(dish, v.fmt(v.money(3, 38)))
    sh.line(
        _tr(
            v,
            "All prices include VAT.|Please ask about allergens.",
            "Alle Preise inkl. MwSt.|Allergene auf Nachfrage.",
            "Prix nets, service compris.|Demandez nos allergènes.",
            "Alle prijzen zijn inclusief btw.|Vraag naar onze allergenenkaart.",
        )
    )


def contract(v: Voice, sh: Sheet) -> None:
    """Lay out a contract: title, parties, numbered clauses of legal prose, signatures."""
    sh.title(v.rng.choice(v.words("contracts")))
    sh.line(_tr(v, "between", "zwischen", "entre", "tussen|De ondergetekenden"))
    sh.block([v.person(), *v.address()])
    sh.line(_tr(v, "and", "und", "et", "en"))
    sh.block([v.company(), *v.address()])
    clause = _tr(v, "Clause|Section|§", "§|Artikel", "Article|Art.", "Artikel|Art.")
    for n in range(1, v.rng.randint(4, 9)):
        sh.line(f"{clause} {n}")
        sh.paragraphs(v.words("clauses"), v.rng.randint(1, 3))
    sh.row(
        _tr(v, "Signature", "Unterschrift", "Signature", "Handtekening"),
        _tr(v, "Date|Place", "Ort, Datum", "Fait à|Date", "Plaats en datum|Datum|Plaats"),
    )


def form(v: Voice, sh: Sheet) -> None:
    """Lay out an application or registration form with labelled blanks and tick boxes."""
    sh.title(v.rng.choice(v.words("forms")))
    for label in v.rng.sample(v.words("form_fields"), v.rng.randint(6, 12)):
        filled = v.rng.random() < 0.5
        sh.pair(
            label,
            v.rng.choice((v.person(), v.code(), v.day(v.date_between(1950, 2025))))
            if filled
            else "_" * v.rng.randint(8, 30),
        )
    for option in v.rng.sample(v.words("form_fields"), 3):
        sh.line(f"[ ] {option}")
    sh.row(_tr(v, "Signature", "Unterschrift", "Signature", "Handtekening"), "_" * 20)


def item_list(v: Voice, sh: Sheet) -> None:
    """Lay out a list: shopping, to-do, packing or meeting notes, short lines, few numbers."""
    sh.title(v.rng.choice(v.words("lists")))
    for n, item in enumerate(v.rng.sample(v.words("list_items"), v.rng.randint(5, 14)), 1):
        sh.line(f"{v.rng.choice(('-', '*', f'{n}.', '[ ]', ''))} {item}".strip())


def card(v: Voice, sh: Sheet) -> None:
    """Lay out a business, loyalty or gift card: a few short lines on a small landscape page."""
    sh.line(v.company())
    sh.line(v.person())
    sh.line(
        _tr(
            v,
            "Sales Manager|Consultant|Member since|Gift card",
            "Geschäftsführer|Berater|Kundenkarte|Gutschein",
            "Directeur commercial|Conseiller|Carte de fidélité|Carte cadeau",
            "Accountmanager|Adviseur|Klantenpas|Cadeaukaart",
        )
    )
    sh.line(f"Tel. +{v.rng.randint(30, 49)} {v.rng.randint(100, 999)} {v.rng.randint(1000, 9999)}")
    if v.rng.random() < 0.6:
        sh.line(f"{v.surname().lower()}@{v.surname().lower()}.com")


OTHER_KINDS: dict[str, Callable[[Voice, Sheet], None]] = {
    "letter": letter,
    "menu": menu,
    "contract": contract,
    "form": form,
    "list": item_list,
    "card": card,
}
KINDS: dict[DocType, dict[str, Callable[[Voice, Sheet], None]]] = {
    DocType.PAYSLIP: {"payslip": payslip},
    DocType.BANK_STATEMENT: {"bank_statement": bank_statement},
    DocType.UTILITY_BILL: {"utility_bill": utility_bill},
    DocType.OTHER: OTHER_KINDS,
}


def synthetic_document(doc_type: DocType, rng: random.Random) -> tuple[list[Page], str]:
    """Generate one synthetic document of a type; return its pages and the template kind."""
    kinds = KINDS[doc_type]
    kind = rng.choice(sorted(kinds))
    voice = Voice(rng, rng.choice(LANGS))
    sheet = Sheet(rng, small=kind == "card")
    kinds[kind](voice, sheet)
    return sheet.pages(), kind


CURRENCY_CODES = {"£": "GBP", "$": "USD", "€": "EUR", "GBP": "GBP", "EUR": "EUR"}


def labelled_document(
    doc_type: DocType, rng: random.Random
) -> tuple[list[Page], str, dict[str, str], list[dict[str, str]]]:
    """Generate one document of a type with what it prints: pages, kind, fields, statement rows.

    The fields are the extraction schema's (employer, net_pay, iban...) as printed before any
    OCR-like noise, with ISO dates and plain amounts; the currency only where an amount
    showed it. The same seed gives the same pages as `synthetic_document`.
    """
    kinds = KINDS[doc_type]
    kind = rng.choice(sorted(kinds))
    voice = Voice(rng, rng.choice(LANGS))
    sheet = Sheet(rng, small=kind == "card")
    kinds[kind](voice, sheet)
    truth = dict(sheet.truth)
    if voice.showed_currency and voice.cur in CURRENCY_CODES:
        truth["currency"] = CURRENCY_CODES[voice.cur]
    return sheet.pages(), kind, truth, list(sheet.transactions)


def synthetic_corpus(per_type: int, seed: int) -> Iterator[tuple[list[Page], DocType, str]]:
    """Yield `per_type` synthetic documents of each synthetic type, seeded."""
    rng = random.Random(seed)
    for doc_type in SYNTHETIC_TYPES:
        for _ in range(per_type):
            pages, kind = synthetic_document(doc_type, rng)
            yield pages, doc_type, kind
