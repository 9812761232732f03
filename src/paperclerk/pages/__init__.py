"""From raw pages to the document model: page reading (text layer or OCR) and word layout.

`display` encodes a page as the review screen shows it (the worker keeps it once).

Below the pipeline and the trainable models, which both read pages the same way.
"""
