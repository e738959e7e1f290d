"""The campaign: the plan and settings an office writes, read into frozen values (SPEC §4).

Modules, in the order data flows:

    starter     ``leitai init``: a new campaign folder an office can fill in
    settings    campaign.toml's settings as frozen dataclasses
    rules       campaign.toml's optional rules: investment bands, 序时进度, caught_up, [score]
    office      the office's own words: how the whole is named, who gets the briefing
    plansheet   plan.xlsx read fast, calamine's cells straight into columns
    changes     计划调整: the register of plan changes, and the plan in effect at a cutoff
    plan        the campaign: settings and plan together (``load_campaign``)
    templates   the progress workbooks sent to units, pre-filled from the plan
"""
