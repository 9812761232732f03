"""From raw pages to the document model: page reading (text layer or OCR) and word layout.

Below the pipeline and the trainable models, which both read pages the same way.
"""
