"""The figures area: monthly sums of the ledger, factor sets, CSV and trends (the API); the
pages are in exchange/web/figures_pages.py.

- `queries.py`: the area's SQL (the flows of a run of months, the opening stock, the keeper's
  statements); `stock.py`: the stock kept ahead by month; `arithmetic.py`: the pure sums.
- `service.py`: month figures, the CSV, the trend; `factors.py`: factor sets.
"""
