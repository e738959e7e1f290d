"""The report: what an office reads, the 督查通报 and what goes out with it (SPEC §7).

Modules, in the order data flows:

    content        the briefing's content model, as data
    measurewords   the words on investment, 逾期完成 and the composite score
    narrative      what the briefing says: one period's content, apart from how it looks
    annexes        the briefing's attachments (附件) and 版记, as content
    pagefit        the briefing fitted to its pages from the template's metrics
    docxkit        building blocks for a Chinese office document with python-docx
    briefing       the 督查通报 written as a Word document
    pdf            a PDF beside a .docx, made by LibreOffice
    notice         督办单 and the lower rungs of the ladder, one page per project
    reminders      催报 text and the 预警 workbook
    actions        what the office acts on after a run: 预警清单, 催报, 督办单, the PDF
    xlsxout        the period's workbooks (擂台榜, 数据问题, 节点明细) and table helpers
    xlsxsave       an openpyxl workbook saved faster, to the same bytes
"""
