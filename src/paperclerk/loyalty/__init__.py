"""Loyalty and cashback campaigns: rules, product matching, duplicate and fraud detection.

`check_submission` (in `paperclerk.loyalty.service`) is the one code path the API and the
CLI share: a receipt, a campaign and a participant in, a decision with findings out.
"""
