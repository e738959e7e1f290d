"""The ledger: history.sqlite, every recorded period (SPEC §5).

Modules, in the order data flows:

    check     history.sqlite checked before it is used: integrity, schema, content; backups
    history   the recorded periods, read and written
    publish   a period published whole: its ledger record and output folder together
"""
