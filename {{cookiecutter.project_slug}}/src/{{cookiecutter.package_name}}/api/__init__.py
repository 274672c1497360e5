"""Transports: they parse input, call commands and shape output. No business rules here."""
