"""Intake: a period's folder of unit sheets read, normalised and validated (SPEC §4).

Modules, in the order data flows:

    folderscan   the folder listed, every entry accounted for
    arrivals     when each input file arrived
    formats      what kind of file a unit sent, told from its bytes
    precheck     an OOXML workbook checked before any parser allocates for it
    workbook     a workbook opened and its cells read
    sheetrows    one unit's sheet, row by row: identity, node rows, problems
    exports      one workbook carrying many units (an online form's export)
    adjustments  the office's 加减分.xlsx
    folder       the whole folder into reports, file records and data problems
"""
