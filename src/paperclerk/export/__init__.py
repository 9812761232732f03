"""Results leaving for the ERP: an invoice `Document` as UBL 2.1, a per-line CSV or a journal.

Each exporter reads the invoice schema's field names as the pipeline fills them (whatever
the document's source: e-invoice XML, text layer, OCR or a reviewer's corrections).
"""
