"""The area dashboard: per commune, who arrives when, what is missing or already enough, late pledges, and a map."""
