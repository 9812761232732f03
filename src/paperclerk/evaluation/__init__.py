"""Accuracy evaluation on labelled document sets (SROIE, invoice2data)."""
