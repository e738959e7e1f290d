"""leitai (擂台): biweekly scoring and briefings for a campaign supervision office.

The pipeline, in the order data flows:

    campaign (plan + settings) → intake (read, normalise, validate) → ledger (history)
    → scoring (pure pandas, no I/O) → outputs (briefing .docx, charts, leaderboard .xlsx, json)
"""

__version__ = "0.1.0"
