"""Exchange: the material exchange of a tiers-lieu (QR-labelled offcuts, a ledger of events,
monthly figures), on Litestar, Piccolo (SQLite or PostgreSQL) and msgspec.

One folder per area, each with its HTTP (controllers), its shapes (schemas), its rules and
transactions (service, or one module per job) and its SQL (queries, on Piccolo's public API):

- `ledger/`: the rules, pure (codes, transitions, mass, splits, fit search): no HTTP, no I/O;
  their errors are mapped to HTTP statuses in `problems.py`.
- `items/`: queries (SQL), present (a row as ItemOut), listing (filters and the list query),
  idempotency (the Idempotency-Key store), intake, actions; controllers and schemas.
- `figures/`, `labels/`, `lieu/`, `auth/`, `spreadsheets/`: the other areas.
- `db/`: the engine from its URL, the migrations runner, prepared queries, and the fast
  SQLite path (`db/sqlite_fast.py`, the one module below Piccolo's public API, pinned).
- `web/`: the pages for people, one module per area, with the templates (web/README.md).
- `app.py` (create_app), `settings.py` (read once), `cli.py`, `tables.py`, `problems.py`.
"""
