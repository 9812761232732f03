"""Model monitoring: notice drift before users do.

`drift` keeps rolling figures per workspace and document type against the live model's
training data and raises alarms (a `model.drift` webhook, a dashboard banner, a line in
`/metrics`) that tighten the decision policy until a person acknowledges them.
"""
