"""OCR engines behind one protocol: RapidOCR (default) and Tesseract."""
