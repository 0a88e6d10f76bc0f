"""Administrative areas: province -> commune (2025 structure), optional villages, history."""
