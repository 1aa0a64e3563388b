"""Exports for the stock plan administrator: the close's results as CSV, Excel and Open Cap Format.

- ``catalogue``: the exports the console lists, and when each becomes available;
- ``tables``: the rows of the tabular exports (eligibility, final elections, cancellations, new grants
  and their vesting); ``summary``: the figures of the final report;
- ``ocf``: the cancellations and issuances as OCF transactions, and the new options' vesting terms;
- ``writers``: CSV, XLSX and JSON, each written row by row, so memory does not grow with the census.
"""
