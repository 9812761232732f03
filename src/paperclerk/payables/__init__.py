"""Payables: supplier master data, matching invoices to suppliers, and payment checks.

Suppliers are imported from the ERP (CSV or the API) per workspace; an invoice is matched
to one by VAT id, IBAN, then name and address; the checks raise the bank-detail change
alarm (an IBAN that is not the supplier's), an unknown supplier and duplicate invoices.
"""
