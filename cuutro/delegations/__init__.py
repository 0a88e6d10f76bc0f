"""Relief delegations (đoàn cứu trợ): planned visits, their routes, check-in by QR and hand-over."""
