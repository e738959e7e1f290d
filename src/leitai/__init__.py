"""leitai (擂台): biweekly scoring and briefings for a campaign supervision office.

The pipeline, in the order data flows:

    campaign (plan + settings) → intake (read, normalise, validate) → ledger (history)
    → scoring (pure pandas, no I/O) → outputs (briefing .docx, charts, leaderboard .xlsx, json)

A folder per stage (each folder's docstring lists its modules in that order):

    campaign/   the plan and settings: campaign.toml, plan.xlsx, 计划调整, unit templates
    intake/     a period's input folder read, normalised and validated into reports and problems
    ledger/     history.sqlite: every recorded period, and a period published whole
    scoring/    pure functions: states, rates, lights, ranks, investment, look-ahead, results
    report/     the 督查通报 .docx and PDF, 督办单, 催报, 预警 and the period's workbooks
    charts/     the briefing's charts and the lobby poster, drawn in a worker process

and at the top, what ties them together or is shared by all:

    cli.py, clihelp.py   the thin command line and its help in Chinese
    pipeline.py          one period run end to end, stage by stage
    bulk.py              province scale: DataFrame rows read fast, runs without the cycle collector
    errors.py            failures (``LeitaiError`` and its tree)
    problems.py          data problems as records
    normalize.py         what people type normalised: dates, statuses, percentages, numbers, headers
    fileio.py            outputs written safely: whole or absent, the same bytes for the same content
    data/                the bundled font
"""

__version__ = "0.1.0"
