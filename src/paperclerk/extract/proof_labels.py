"""Keyword anchors of proof documents (payslips, bank statements, utility bills) in EN/DE/FR/NL.

Each entry maps a label to the field it introduces and how much it is trusted. Labels of
values these extractors do not read (``Year to date``, ``Total deductions``) are listed
under ``IGNORE`` so that a generic label inside them (``Total``, ``Net``) is not taken for
ours. Only the words of the trade appear here, never a company's name.
"""

from __future__ import annotations

from paperclerk.extract.common import Label

IGNORE = "_other"

PAYSLIP: dict[str, list[tuple[str, float]]] = {
    "employer": [
        ("Employer", 1.0), ("Employer name", 1.0), ("Company", 0.8), ("Arbeitgeber", 1.0),
        ("Firma", 0.8), ("Employeur", 1.0), ("Société", 0.8), ("Raison sociale", 0.9),
        ("Werkgever", 1.0), ("Bedrijf", 0.8),
    ],
    "employee": [
        ("Employee", 1.0), ("Employee name", 1.0), ("Name", 0.7), ("Mitarbeiter", 1.0),
        ("Arbeitnehmer", 1.0), ("Mitarbeitername", 1.0), ("Salarié", 1.0),
        ("Nom du salarié", 1.0), ("Nom", 0.7), ("Werknemer", 1.0), ("Naam", 0.7),
        ("Naam werknemer", 1.0), ("Employé", 1.0), ("Beschäftigter", 1.0),
    ],
    "period": [
        ("Pay period", 1.0), ("Period", 0.9), ("Payroll period", 1.0), ("Period ending", 0.8),
        ("Abrechnungsmonat", 1.0), ("Abrechnungszeitraum", 1.0), ("Zeitraum", 0.9),
        ("Monat", 0.8), ("Période", 0.9), ("Période du", 1.0), ("Paie du", 1.0),
        ("Période de paie", 1.0), ("Periode", 0.9), ("Loonperiode", 1.0), ("Tijdvak", 0.9),
        ("Salary month", 1.0), ("Pay month", 1.0), ("Lohnmonat", 1.0), ("Mois", 0.8),
        ("Pay date", 0.7), ("Paid on", 0.6), ("Date de paiement", 0.6), ("Payé le", 0.6),
    ],
    "pay_date": [
        ("Pay date", 1.0), ("Payment date", 1.0), ("Date paid", 1.0), ("Paid on", 0.9),
        ("Auszahlungsdatum", 1.0), ("Zahltag", 1.0), ("Auszahlung am", 1.0),
        ("Date de paiement", 1.0), ("Payé le", 1.0), ("Date de versement", 1.0),
        ("Betaaldatum", 1.0), ("Uitbetalingsdatum", 1.0), ("Datum betaling", 1.0),
    ],
    "gross_pay": [
        ("Gross pay", 1.0), ("Total gross pay", 1.0), ("Gross salary", 1.0),
        ("Total earnings", 0.9), ("Gross", 0.8), ("Gross earnings", 1.0),
        ("Gross wages", 1.0), ("Total gross", 1.0), ("Gesamtbrutto", 1.0),
        ("Bruttobezüge", 1.0), ("Brutto", 0.8), ("Bruttoverdienst", 1.0),
        ("Bruttolohn", 1.0), ("Bruttogehalt", 1.0), ("Gesamt-Brutto", 1.0),
        ("Salaire brut", 1.0), ("Total brut", 1.0), ("Brut", 0.7), ("Brutoloon", 1.0),
        ("Bruto", 0.8), ("Brutosalaris", 1.0), ("Totaal bruto", 1.0),
    ],
    "net_pay": [
        ("Net pay", 1.0), ("Take home pay", 1.0), ("Net salary", 1.0), ("Net amount", 0.8),
        ("Amount paid", 0.8), ("Net", 0.6), ("Net wages", 1.0), ("Total net pay", 1.0),
        ("Nettoverdienst", 1.0), ("Auszahlungsbetrag", 1.0), ("Netto", 0.8),
        ("Nettobezüge", 1.0), ("Nettolohn", 1.0), ("Nettogehalt", 1.0),
        ("Net à payer", 1.0), ("Net payé", 1.0), ("Net à payer avant impôt", 1.0),
        ("Net à payer au salarié", 1.0), ("Salaire net", 1.0), ("Nettoloon", 1.0),
        ("Netto uit te betalen", 1.0), ("Uit te betalen", 0.9), ("Nettosalaris", 1.0),
    ],
    IGNORE: [
        ("Year to date", 1.0), ("YTD gross", 1.0), ("YTD", 1.0), ("Taxable pay YTD", 1.0),
        ("Total deductions", 1.0), ("Deductions", 1.0), ("Jahressumme", 1.0),
        ("Kumuliert", 1.0), ("Summe Abzüge", 1.0), ("Gesetzliche Abzüge", 1.0),
        ("Gesetzliche Abzüge gesamt", 1.0), ("Steuerbrutto", 1.0), ("SV-Brutto", 1.0),
        ("Cumul annuel", 1.0), ("Cumul imposable", 1.0), ("Net imposable", 1.0),
        ("Total des cotisations", 1.0), ("Total retenues", 1.0), ("Cumul", 1.0),
        ("Inhoudingen", 1.0), ("Totaal inhoudingen", 1.0), ("Cumulatief", 1.0),
        ("Net taxable", 1.0), ("Taxable pay", 1.0), ("Employee ID", 1.0),
        ("Employee No", 1.0), ("Employee number", 1.0), ("Personalnummer", 1.0),
        ("N° salarié", 1.0), ("Personeelsnummer", 1.0), ("Tax code", 1.0),
        ("Period start", 1.0), ("Period end", 1.0), ("Salaire de base", 1.0),
        ("Basic salary", 1.0), ("Basic pay", 1.0), ("Grundgehalt", 1.0), ("Basisloon", 1.0),
        ("Salaire brut fiscal", 1.0),
    ],
}  # fmt: skip

BANK_STATEMENT: dict[str, list[tuple[str, float]]] = {
    "account_holder": [
        ("Account holder", 1.0), ("Account name", 1.0), ("Name", 0.6),
        ("Kontoinhaber", 1.0), ("Inhaber", 0.9), ("Titulaire", 1.0),
        ("Titulaire du compte", 1.0), ("Rekeninghouder", 1.0), ("Ten name van", 1.0),
        ("Customer", 0.8), ("Kunde", 0.8), ("Client", 0.8),
    ],
    "iban": [("IBAN", 1.0)],
    "period": [
        ("Statement period", 1.0), ("Period", 0.9), ("Zeitraum", 1.0),
        ("Auszugszeitraum", 1.0), ("Période", 1.0), ("Du", 0.6), ("Periode", 1.0),
        ("Afschriftperiode", 1.0), ("Période du", 1.0), ("For the period", 1.0),
        ("Abrechnungszeitraum", 1.0), ("Statement dates", 1.0),
    ],
    "opening_balance": [
        ("Opening balance", 1.0), ("Balance brought forward", 1.0),
        ("Previous balance", 1.0), ("Start balance", 1.0), ("Starting balance", 1.0),
        ("Beginning balance", 1.0), ("Alter Kontostand", 1.0), ("Anfangssaldo", 1.0),
        ("Saldo alt", 1.0), ("Alter Saldo", 1.0), ("Kontostand alt", 1.0),
        ("Solde précédent", 1.0), ("Ancien solde", 1.0), ("Solde initial", 1.0),
        ("Solde au", 0.6), ("Solde de début", 1.0), ("Beginsaldo", 1.0),
        ("Vorig saldo", 1.0), ("Oud saldo", 1.0), ("Saldo begin", 1.0),
    ],
    "closing_balance": [
        ("Closing balance", 1.0), ("Balance carried forward", 1.0), ("New balance", 1.0),
        ("End balance", 1.0), ("Ending balance", 1.0), ("Neuer Kontostand", 1.0),
        ("Endsaldo", 1.0), ("Saldo neu", 1.0), ("Neuer Saldo", 1.0),
        ("Kontostand neu", 1.0), ("Nouveau solde", 1.0), ("Solde créditeur au", 1.0),
        ("Solde final", 1.0), ("Solde de fin", 1.0), ("Eindsaldo", 1.0),
        ("Nieuw saldo", 1.0), ("Saldo einde", 1.0),
    ],
    IGNORE: [
        ("Account number", 1.0), ("Account No", 1.0), ("Sort code", 1.0),
        ("Kontonummer", 1.0), ("Konto-Nr", 1.0), ("Auszug Nr", 1.0), ("N° de compte", 1.0),
        ("Compte n°", 1.0), ("Numéro de compte", 1.0), ("Rekeningnummer", 1.0),
        ("Overdraft limit", 1.0), ("Dispositionskredit", 1.0), ("Découvert autorisé", 1.0),
        ("Total credits", 1.0), ("Total debits", 1.0), ("Summe Soll", 1.0),
        ("Summe Haben", 1.0), ("Total des débits", 1.0), ("Total des crédits", 1.0),
        ("BIC", 1.0), ("Statement date", 1.0), ("Page", 1.0),
    ],
}  # fmt: skip

UTILITY_BILL: dict[str, list[tuple[str, float]]] = {
    "customer_name": [
        ("Customer", 0.9), ("Customer name", 1.0), ("Account holder", 1.0), ("Kunde", 0.9),
        ("Kundenname", 1.0), ("Vertragspartner", 0.9), ("Client", 0.9),
        ("Titulaire du contrat", 1.0), ("Titulaire", 0.9), ("Klant", 0.9),
        ("Klantnaam", 1.0), ("Naam", 0.6), ("Name", 0.6), ("Nom", 0.6),
    ],
    "customer_address": [
        ("Supply address", 1.0), ("Service address", 1.0), ("Property address", 1.0),
        ("Lieferadresse", 1.0), ("Lieferstelle", 1.0), ("Verbrauchsstelle", 1.0),
        ("Adresse de livraison", 1.0), ("Adresse du site", 1.0), ("Leveringsadres", 1.0),
        ("Aansluitadres", 1.0), ("Adresse de consommation", 1.0),
    ],
    "issue_date": [
        ("Bill date", 1.0), ("Date of issue", 1.0), ("Issue date", 1.0), ("Date of bill", 1.0),
        ("Invoice date", 1.0), ("Date", 0.6), ("Statement date", 1.0), ("Issued", 0.8),
        ("Rechnungsdatum", 1.0), ("Datum", 0.6), ("Ausstellungsdatum", 1.0),
        ("Date de facture", 1.0), ("Date d'émission", 1.0), ("Émise le", 1.0),
        ("Factuurdatum", 1.0), ("Datum factuur", 1.0), ("Nota datum", 1.0),
    ],
    "amount_due": [
        ("Total amount due", 1.0), ("Amount due", 1.0), ("Total to pay", 1.0),
        ("Amount to pay", 1.0), ("Total due", 1.0), ("Balance due", 0.9), ("Total", 0.6),
        ("Rechnungsbetrag", 1.0), ("Nachzahlung", 0.9), ("Gesamtbetrag", 1.0),
        ("Zu zahlen", 1.0), ("Zahlbetrag", 1.0), ("Zu zahlender Betrag", 1.0),
        ("Offener Betrag", 1.0), ("Rechnungssumme", 1.0), ("Amount payable", 1.0),
        ("Total payable", 1.0), ("Net à payer", 1.0), ("Reste à payer", 1.0), ("Montant TTC", 1.0),
        ("Total à payer", 1.0), ("Montant à payer", 1.0), ("Montant total", 0.9),
        ("Te betalen", 1.0), ("Totaal te betalen", 1.0), ("Totaalbedrag", 1.0),
    ],
    "due_date": [
        ("Due date", 1.0), ("Please pay by", 1.0), ("Pay by", 1.0), ("Payment due", 1.0),
        ("We will collect this by Direct Debit on", 1.0), ("Fällig am", 1.0),
        ("Zahlbar bis", 1.0), ("Fälligkeit", 1.0), ("eingezogen am", 0.9),
        ("Date d'échéance", 1.0), ("Échéance", 0.9), ("À régler avant le", 1.0),
        ("Prélèvement automatique le", 0.9), ("Prélevé le", 0.9), ("Vervaldatum", 1.0),
        ("Uiterste betaaldatum", 1.0), ("Te betalen voor", 1.0), ("Betalen vóór", 1.0),
        ("automatisch af op", 0.9), ("afgeschreven op", 0.9),
    ],
    IGNORE: [
        ("Account number", 1.0), ("Customer number", 1.0), ("Customer No", 1.0),
        ("Kundennummer", 1.0), ("Vertragsnummer", 1.0), ("N° client", 1.0),
        ("Numéro client", 1.0), ("Klantnummer", 1.0), ("Bill number", 1.0),
        ("Invoice number", 1.0), ("Rechnungsnummer", 1.0), ("N° de facture", 1.0),
        ("Factuurnummer", 1.0), ("Billing period", 1.0), ("Abrechnungszeitraum", 1.0),
        ("Période de facturation", 1.0), ("Meter reading", 1.0), ("Zählerstand", 1.0),
        ("Previous balance", 1.0), ("Energy charge", 1.0), ("Standing charge", 1.0),
        ("Subtotal", 1.0), ("Net amount", 1.0), ("Nettobetrag", 1.0), ("VAT", 1.0),
        ("Ihr neuer Abschlag ab", 1.0), ("Abschlag", 1.0), ("Next reading", 1.0),
    ],
}  # fmt: skip


def labels_of(table: dict[str, list[tuple[str, float]]]) -> list[Label]:
    """Turn a label table into anchors; a text listed for several fields points to each."""
    by_text: dict[str, list[tuple[str, float]]] = {}
    for field, entries in table.items():
        for text, weight in entries:
            by_text.setdefault(text, []).append((field, weight))
    return [Label(text, tuple(fields)) for text, fields in by_text.items()]
