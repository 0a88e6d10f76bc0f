"""Verified needs: the catalogue, campaigns, needs with their items, private beneficiary records."""
