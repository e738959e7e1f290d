"""Scoring: the rules of SPEC §5 as pure functions, frames in and frames out, no I/O, no clock.

Modules, in the order data flows:

    states       node states at a cutoff: ledger, unit reports, office rulings
    score        rates, lights, ranks, red counts, yellow cards
    investment   investment against 序时进度
    composite    the composite score of ``rank_by = "score"``
    lookahead    early warning, the escalation ladder, timeliness
    results      one period's results.json dict (SPEC §6)
"""
