"""Structured e-invoices (UBL 2.1, UN/CEFACT CII, Factur-X/ZUGFeRD)."""
