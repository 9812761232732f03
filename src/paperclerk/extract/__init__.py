"""Field extractors per document type, behind the FieldExtractor protocol."""
