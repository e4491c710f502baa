"""Label routes (filled by the labels work)."""

ROUTES: list = []
