"""Loyalty and cashback campaigns: rules, product matching, duplicate and fraud detection.

`decide_submission` (in `paperclerk.loyalty.service`) is the slice's step on the pipeline's
result, the one code path the service's workers and the CLI's `check_submission` share: a
read receipt, a campaign and a participant in, a stored decision with findings out.
"""
