"""Pure helpers with no Django models: text folding, codes, formatting."""
