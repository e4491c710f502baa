"""The items area: one module per job.

- `queries.py`: the area's SQL (the item with its names, events, lookups, the conditional
  update every action makes, the Idempotency-Key rows); `listing.py` builds the list's query.
- `present.py`: a row as `ItemOut` / `EventOut` (what the public may see).
- `idempotency.py`: `run_action`, one write transaction with its Idempotency-Key claimed.
- `intake.py`: logging an offcut in; `actions.py`: move, reserve, use, split... on an item.
- `photos.py`, `search.py`: an item's photo, and the folded words the list searches.
- `controllers.py`, `photo_controllers.py`, `schemas.py`: the API.
"""
