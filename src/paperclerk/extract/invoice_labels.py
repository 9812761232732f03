"""Invoice keyword anchors in English, German, French, Dutch, Spanish, Italian, Polish and more.

Each entry maps a label to the fields it introduces and how much it is trusted.  Labels that
introduce values we do not extract (``Order date``, ``Kundennr.``) are listed under ``_other``
so that a generic label inside them (``Date``, ``Nr``) is not taken for ours.
"""

from __future__ import annotations

from paperclerk.extract.common import Label

IGNORE = "_other"

_LABELS: dict[str, list[tuple[str, float]]] = {
    "invoice_number": [
        ("Invoice No", 1.0), ("Invoice Number", 1.0), ("Invoice #", 1.0), ("Invoice ID", 1.0),
        ("Tax Invoice No", 1.0), ("Bill No", 0.8), ("Receipt No", 0.8), ("Document No", 0.7),
        ("Rechnungsnummer", 1.0), ("Rechnungsnr", 1.0), ("Rechnung Nr", 1.0),
        ("Rechnungs-Nr", 1.0), ("Facture n°", 1.0), ("Numéro de facture", 1.0),
        ("N° de facture", 1.0), ("Factuurnummer", 1.0), ("Factuur nr", 1.0),
        ("Número de factura", 1.0), ("Factura n°", 1.0), ("Nº factura", 1.0),
        ("Faktura nr", 1.0), ("Numer faktury", 1.0), ("Fattura n°", 1.0),
        ("Numero fattura", 1.0), ("Invoice", 0.55), ("Rechnung", 0.5), ("Facture", 0.5),
        ("Factuur", 0.5), ("Factura", 0.5), ("Faktura", 0.5), ("Fattura", 0.5),
        ("Booking ID", 0.45), ("Reference No", 0.4),
        ("Invoice No.", 1.0), ("Gutschrift Nr", 1.0), ("Gutschriftsnummer", 1.0),
        ("Credit Note No", 1.0), ("Avoir n°", 1.0), ("Creditnota nr", 1.0),
    ],
    "invoice_date": [
        ("Invoice Date", 1.0), ("Date of Invoice", 1.0), ("Bill Date", 0.9), ("Date", 0.7),
        ("Dated", 0.6), ("Issue Date", 0.9), ("Date of issue", 0.9), ("Rechnungsdatum", 1.0),
        ("Datum", 0.7), ("Date de facture", 1.0), ("Date de facturation", 1.0),
        ("Factuurdatum", 1.0), ("Factuur datum", 1.0), ("Fecha de factura", 1.0),
        ("Fecha", 0.7), ("Data wystawienia", 1.0), ("Data faktury", 1.0),
        ("Data fattura", 1.0), ("Data", 0.6), ("Tarikh", 0.7),
        ("Ausstellungsdatum", 1.0), ("Date d'émission", 1.0), ("Date de la facture", 1.0),
        ("Belegdatum", 0.9), ("Gutschriftsdatum", 1.0),
        ("Émise le", 0.9), ("Datum der Rechnung", 1.0), ("Date of the invoice", 1.0),
    ],
    "due_date": [
        ("Due Date", 1.0), ("Payment Due", 0.9), ("Pay by", 0.8), ("Fälligkeitsdatum", 1.0),
        ("Fällig am", 1.0), ("Zahlungsziel", 0.9), ("Zahlbar bis", 1.0),
        ("Date d'échéance", 1.0), ("Échéance", 0.9), ("Date limite de paiement", 1.0),
        ("Vervaldatum", 1.0), ("Uiterste betaaldatum", 1.0), ("Fecha de vencimiento", 1.0),
        ("Vencimiento", 0.9), ("Termin płatności", 1.0), ("Data scadenza", 1.0),
        ("Scadenza", 0.9), ("Fälligkeit", 0.9), ("Fällig", 0.8), ("Zahlungsfrist", 0.8),
        ("Payment due date", 1.0), ("Date of payment", 0.8), ("Vervaldag", 1.0),
        ("À payer avant le", 1.0), ("Fällig bis", 1.0), ("Due by", 0.9),
        ("Uiterlijk betalen op", 1.0), ("Te betalen voor", 0.9),
    ],
    "purchase_order": [
        ("PO Number", 1.0), ("PO No", 1.0), ("Purchase Order", 1.0), ("Order No", 0.8),
        ("Order Number", 0.8), ("Order ID", 0.7), ("Bestellnummer", 1.0), ("Bestell-Nr", 1.0),
        ("Auftragsnummer", 0.8), ("Bon de commande", 1.0), ("N° de commande", 0.9),
        ("Ordernummer", 0.8), ("Order", 0.5), ("Bestelnummer", 1.0), ("Número de pedido", 0.9),
        ("Pedido", 0.6), ("Zamówienie", 0.7), ("Ordine", 0.6), ("Bestellung Nr", 1.0),
        ("Bestellung Nr. Kunde", 1.0), ("Ihre Bestellung", 0.9), ("Votre commande", 0.9),
        ("Your order", 0.9), ("Uw bestelling", 0.9), ("Votre référence", 0.6),
        ("Your reference", 0.6), ("Uw referentie", 0.6),
    ],
    "total": [
        ("Total", 0.8), ("Grand Total", 1.0), ("Total Amount", 1.0), ("Invoice Total", 1.0),
        ("Total for this invoice", 1.0), ("Total incl. VAT", 1.0), ("Amount Due", 0.85),
        ("Total Due", 0.9), ("Balance Due", 0.8), ("Gesamtbetrag", 1.0), ("Gesamtsumme", 1.0),
        ("Rechnungsbetrag", 1.0), ("Endbetrag", 1.0), ("Bruttobetrag", 0.9), ("Summe", 0.7),
        ("Gesamt", 0.7), ("Total TTC", 1.0), ("Montant TTC", 1.0), ("Net à payer", 0.9),
        ("Total facture", 0.95), ("Somme à payer", 0.85), ("Totaal", 0.8),
        ("Factuur totaal", 1.0), ("Totaal incl. BTW", 1.0), ("Te betalen", 0.85),
        ("Importe total", 1.0), ("Total a pagar", 1.0), ("Razem", 0.6), ("Do zapłaty", 0.9),
        ("Należność ogółem", 1.0), ("Wartość brutto", 0.8), ("Totale", 0.8),
        ("Totale fattura", 1.0), ("Importo totale", 1.0), ("Jumlah", 0.7),
        ("Bruttosumme", 1.0), ("Summe brutto", 1.0), ("Gesamtbetrag brutto", 1.0),
        ("Rechnungssumme", 0.9), ("Rechnungsbetrag brutto", 1.0), ("Total with VAT", 1.0),
        ("Total including VAT", 1.0), ("Invoice total amount", 1.0), ("Total TVAC", 1.0),
        ("Totaal incl. btw", 1.0), ("Totaalbedrag", 1.0),
        ("Montant total TTC", 1.0), ("Gesamt brutto", 1.0), ("Totaalbedrag incl. btw", 1.0),
    ],
    "amount_due": [
        ("Amount Due", 1.0), ("Balance Due", 1.0), ("Total Due", 0.9), ("Amount payable", 1.0),
        ("Zahlbetrag", 1.0), ("Offener Betrag", 1.0), ("Montant dû", 1.0), ("Net à payer", 1.0),
        ("Somme à payer", 1.0), ("Reste à payer", 1.0), ("Te betalen", 1.0),
        ("Openstaand bedrag", 1.0), ("Importe a pagar", 1.0), ("Do zapłaty", 1.0),
        ("Da pagare", 1.0),
        ("Montant à payer", 1.0), ("Reste dû", 1.0), ("Solde dû", 1.0), ("Total à payer", 1.0),
        ("Zu zahlen", 1.0), ("Zu zahlender Betrag", 1.0), ("Fälliger Betrag", 1.0),
        ("Noch zu zahlen", 1.0), ("Total amount due", 1.0), ("Amount to pay", 1.0),
        ("Nog te betalen", 1.0), ("Te voldoen", 1.0), ("Solde à payer", 1.0),
        ("Solde restant dû", 1.0), ("Restbetrag", 1.0), ("Balance", 0.7), ("Residual", 0.8),
        ("Remaining balance", 1.0), ("Outstanding amount", 1.0), ("Restant à payer", 1.0),
        ("Resterend bedrag", 1.0), ("Saldo", 0.7),
    ],
    "subtotal": [
        ("Subtotal", 1.0), ("Sub Total", 1.0), ("Net Amount", 0.9), ("Total excl. VAT", 1.0),
        ("Total net", 0.9), ("Zwischensumme", 1.0), ("Nettobetrag", 1.0),
        ("Summe netto", 1.0), ("Total HT", 1.0), ("Montant HT", 1.0), ("Sous-total", 1.0),
        ("Subtotaal", 1.0), ("Exclusief BTW", 1.0), ("Totaal excl. BTW", 1.0),
        ("Base imponible", 1.0), ("Subtotale", 1.0), ("Imponibile", 0.9),
        ("Wartość netto", 1.0), ("Razem netto", 1.0),
        ("Nettosumme", 1.0), ("Summe ohne USt", 1.0), ("Rechnungssumme ohne USt", 1.0),
        ("Summe ohne MwSt", 1.0), ("Gesamtbetrag netto", 1.0), ("Nettogesamtbetrag", 1.0),
        ("Total without VAT", 1.0), ("Total excluding VAT", 1.0), ("Total hors taxes", 1.0),
        ("Montant total HT", 1.0), ("Totaal excl. btw", 1.0), ("Totaal exclusief btw", 1.0),
        ("Base HT", 1.0), ("Net HT", 1.0), ("Total net HT", 1.0), ("Montant net HT", 1.0),
        ("Net total", 1.0), ("Total net amount", 1.0), ("Taxable amount", 0.9),
        ("Nettobedrag", 1.0), ("Netto bedrag", 1.0), ("Totaal netto", 1.0),
        ("Warenwert netto", 1.0),
    ],
    "total_tax": [
        ("Tax", 0.6), ("VAT", 0.6), ("GST", 0.6), ("Sales Tax", 0.9), ("Total Tax", 1.0),
        ("Total VAT", 1.0), ("MwSt", 0.7), ("USt", 0.7), ("Mehrwertsteuer", 0.8),
        ("Umsatzsteuer", 0.8), ("TVA", 0.7), ("Montant TVA", 1.0), ("Total TVA", 1.0),
        ("BTW", 0.6), ("BTW bedrag", 1.0), ("Totaal BTW", 1.0), ("IVA", 0.7),
        ("Total IVA", 1.0), ("Kwota VAT", 1.0), ("Podatek VAT", 0.9), ("Imposta", 0.8),
        ("Steuerbetrag", 0.9), ("Umsatzsteuerbetrag", 1.0), ("Summe USt", 1.0),
        ("Summe MwSt", 1.0), ("Gesamtsteuerbetrag", 1.0), ("Total tax amount", 1.0),
        ("Total VAT amount", 1.0), ("Montant total TVA", 1.0), ("Totaal btw", 1.0),
        ("Total taxes", 1.0), ("Total des taxes", 1.0), ("USt Gesamt", 1.0),
        ("MwSt Gesamt", 1.0), ("Gesamt USt", 1.0), ("Gesamt MwSt", 1.0), ("TVA totale", 1.0),
    ],
    "vendor_tax_id": [
        ("VAT No", 1.0), ("VAT ID", 1.0), ("VAT Reg No", 1.0), ("Tax ID", 0.9),
        ("USt-IdNr", 1.0), ("UStId", 1.0), ("USt-ID", 1.0), ("Steuernummer", 0.8),
        ("Steuer-Nr", 0.8), ("N° TVA", 1.0), ("TVA intracommunautaire", 1.0),
        ("BTW nummer", 1.0), ("BTW nr", 1.0), ("NIF", 0.9), ("CIF", 0.9), ("NIP", 0.9),
        ("P.IVA", 1.0), ("Partita IVA", 1.0), ("GSTIN", 1.0), ("GST Reg No", 1.0),
        ("ABN", 0.8), ("VAT/TIN", 0.9),
    ],
    "payment_terms": [
        ("Payment Terms", 1.0), ("Terms", 0.4), ("Zahlungsbedingungen", 1.0),
        ("Conditions de paiement", 1.0), ("Conditions de règlement", 1.0),
        ("Betalingsvoorwaarden", 1.0), ("Betalingstermijn", 1.0),
        ("Condiciones de pago", 1.0), ("Warunki płatności", 1.0),
        ("Termini di pagamento", 1.0), ("Condizioni di pagamento", 1.0),
    ],
    "vendor_name": [
        ("Sold by", 0.9), ("Seller", 0.9), ("Issuer", 0.9), ("Issued by", 0.9),
        ("Vendor", 0.8), ("Supplier", 0.8),
        ("Service Provider", 0.8), ("Verkäufer", 0.9), ("Lieferant", 0.8),
        ("Fournisseur", 0.8), ("Vendeur", 0.8), ("Leverancier", 0.8), ("Verkoper", 0.8),
        ("Proveedor", 0.8), ("Vendedor", 0.8), ("Sprzedawca", 0.9), ("Fornitore", 0.8),
        ("Cedente", 0.7), ("Account holder", 0.6), ("Kontoinhaber", 0.6),
        ("Titulaire du compte", 0.6), ("Rekeninghouder", 0.6), ("Payee", 0.6),
        ("in favor of", 0.6), ("in favour of", 0.6), ("Payable to", 0.7),
        ("Émetteur", 0.9), ("Rechnungssteller", 1.0), ("Leistungserbringer", 0.9),
        ("Prestataire", 0.8),
    ],
    "customer_name": [
        ("Bill to", 1.0), ("Bill to Address", 1.0), ("Billed to", 1.0),
        ("Billing Address", 0.9), ("Invoice to", 1.0),
        ("Customer", 0.8), ("Client", 0.7), ("Sold to", 0.9), ("Ship to", 0.6),
        ("Shipping Address", 0.5), ("Rechnungsadresse", 0.9), ("Rechnungsempfänger", 1.0),
        ("Kunde", 0.7), ("Lieferadresse", 0.5), ("Facturé à", 1.0), ("Adresse de facturation", 0.9),
        ("Factuuradres", 0.9), ("Afleveradres", 0.5), ("Klant", 0.7), ("Cliente", 0.7),
        ("Facturar a", 1.0), ("Nabywca", 1.0), ("Odbiorca", 0.7), ("Destinatario", 0.7),
        ("Buyer", 0.9), ("Käufer", 0.9), ("Leistungsempfänger", 0.9),
        ("Käufer/Leistungsempfänger", 1.0), ("Acheteur", 0.9), ("Koper", 0.8), ("Afnemer", 0.8),
        ("Factuur aan", 1.0), ("Rechnung an", 1.0), ("Facture à", 1.0),
        ("Adressé à", 1.0), ("Destinataire", 0.8), ("Adresse client", 0.9),
        ("Empfänger", 0.8), ("Kundenanschrift", 0.9), ("Invoice address", 0.9),
        ("Invoiced to", 1.0), ("Klantgegevens", 0.9), ("Debiteur", 0.8),
        # where the goods go: the buyer's side, though not always the buyer's name
        ("Adresse de livraison", 0.5), ("Delivery Address", 0.5), ("Deliver to", 0.5),
        ("Lieferanschrift", 0.5), ("Leveringsadres", 0.5), ("Livré à", 0.5),
        ("Adresse d'expédition", 0.5), ("Shipping to", 0.5),
    ],
    # amounts already paid: not the total, and taken off it for the amount due
    "prepaid": [
        ("Erhaltene Anzahlungen", 1.0), ("Anzahlungen", 0.9), ("Bereits gezahlt", 1.0),
        ("Geleistete Anzahlungen", 1.0), ("Vorauszahlung", 0.9), ("Prepaid amount", 1.0),
        ("Paid amount", 1.0), ("Amount paid", 1.0), ("Already paid", 1.0), ("Prepayment", 0.9),
        ("Acompte", 0.9), ("Acomptes versés", 1.0), ("Déjà payé", 1.0), ("Montant payé", 1.0),
        ("Montant déjà payé", 1.0), ("Reeds betaald", 1.0), ("Vooruitbetaling", 1.0),
        ("Aanbetaling", 1.0), ("Betaald bedrag", 1.0),
    ],
    IGNORE: [
        ("Order Date", 1.0), ("Orderdatum", 1.0), ("Bestelldatum", 1.0), ("Delivery Date", 1.0),
        ("Lieferdatum", 1.0), ("Leistungsdatum", 1.0), ("Date de commande", 1.0),
        ("Date de livraison", 1.0), ("Ship Date", 1.0), ("Check In", 1.0), ("Check Out", 1.0),
        ("Kundennr", 1.0), ("Kundennummer", 1.0), ("Klantnummer", 1.0), ("Customer No", 1.0),
        ("Account number", 1.0), ("Account No", 1.0), ("Page", 1.0), ("Seite", 1.0),
        ("Numéro de dossier", 1.0), ("Numéro de ligne", 1.0), ("Prélèvement à partir du", 1.0),
        ("Serienummer", 1.0), ("Contract No", 1.0), ("Vertragsnummer", 1.0),
        ("Tax Invoice", 1.0), ("Kopie factuur", 1.0), ("Dok wydania", 1.0),
        ("Payment Mode", 1.0), ("Service tax", 1.0),
        # the buyer's own ids: neither the seller's VAT id nor a heading over the buyer's name
        ("Customer VAT Number", 1.0), ("Customer VAT No", 1.0), ("Customer VAT ID", 1.0),
        ("N° TVA client", 1.0), ("TVA client", 1.0), ("N° TVA intracommunautaire client", 1.0),
        ("USt-IdNr des Kunden", 1.0), ("Kunden-USt-IdNr", 1.0), ("BTW-nummer klant", 1.0),
        ("Buyer VAT ID", 1.0), ("Buyer VAT Number", 1.0),
        ("Terms and conditions", 1.0), ("Terms & conditions", 1.0),
        ("Conditions générales", 1.0), ("IBAN", 1.0), ("BIC", 1.0), ("SWIFT", 1.0),
        ("Due to", 1.0), ("Tel", 1.0), ("Fax", 1.0), ("Phone", 1.0), ("Email", 1.0),
        # charges, allowances and prepayments hold amounts that are not the invoice total
        ("Gesamtbetrag der Zuschläge", 1.0), ("Gesamtbetrag der Abschläge", 1.0),
        ("Summe der Zuschläge", 1.0), ("Summe der Abschläge", 1.0), ("Summe Zuschläge", 1.0),
        ("Summe Abschläge", 1.0), ("Total charges", 1.0), ("Total allowances", 1.0),
        ("Total des remises", 1.0), ("Total des frais", 1.0),
        ("Liefer- und Leistungsdatum", 1.0), ("Leistungszeitraum", 1.0),
        ("Date de prestation", 1.0), ("Service date", 1.0),
        ("Bestellung vom", 1.0),
        # a preceding or corrected invoice named on this one: its number and date are not ours
        ("Date de facture associée", 1.0), ("N° de facture associée", 1.0),
        ("Date de la facture d'origine", 1.0), ("Preceding invoice date", 1.0),
        ("Preceding invoice number", 1.0), ("Original invoice date", 1.0),
        ("Original invoice number", 1.0), ("Datum der Ursprungsrechnung", 1.0),
        ("Nummer der Ursprungsrechnung", 1.0), ("Vorherige Rechnung", 1.0),
        ("Oorspronkelijke factuurdatum", 1.0), ("Oorspronkelijk factuurnummer", 1.0),
    ],
}  # fmt: skip


def invoice_labels() -> list[Label]:
    """Return the invoice labels, one ``Label`` per distinct folded text with all its fields."""
    merged: dict[str, tuple[str, list[tuple[str, float]]]] = {}
    for name, entries in _LABELS.items():
        for text, weight in entries:
            key = Label(text, ()).key
            merged.setdefault(key, (text, []))[1].append((name, weight))
    return [Label(text, tuple(fields)) for text, fields in merged.values()]
