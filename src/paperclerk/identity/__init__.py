"""KYC cases: one applicant's documents grouped, and one verdict with its reasons.

A case holds an identity document, a proof of address (utility bill or bank statement)
and proof of income (payslips with the bank statements they were paid into), each read by
the shared pipeline. `verdict.compute_verdict` turns their results into `approved`,
`rejected` (the identity document is invalid) or `needs_review`, with one reason per check
(`policy.KycPolicy` sets the limits); `service.evaluate_case` computes it fresh from the
documents' current results and stores it with the case (`store`).
"""
