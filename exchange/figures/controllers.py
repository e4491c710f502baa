"""Figures routes (filled by the figures work)."""

ROUTES: list = []
