"""Data sets: formats, importers, synthetic generators, document sources and the OCR cache.

What the models of `learning/` are trained and measured on, in the project's own model:
the training-example format and its fixed train/validation split (`dataset`), the SROIE and
invoice2data folder layouts and their importers, the document-type corpus and its sources
(real documents of no known type, single PDF pages), the SYNTHETIC seed documents, and the
content-addressed OCR cache. Below `learning/`: it never imports a model.
"""
