"""Append-only who/when/why log of every change of state."""
