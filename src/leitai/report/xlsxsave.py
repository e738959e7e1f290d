"""Saving an openpyxl workbook faster, to the bytes openpyxl's own ``save`` writes.

openpyxl writes each worksheet to a temporary file on disk and each cell through lxml's
incremental writer, one nested element at a time. For a workbook of many sheets (预警清单 at
province scale: a sheet per unit, 2,000 of them) the temporary files and the per-cell calls
are most of its time. ``save_bytes`` keeps openpyxl's writer for everything but two things:
a worksheet is written in memory, and a row of plain cells (text, numbers, booleans, dates)
is built as one lxml element and written at once. Anything else (formulas, rich text,
comments, hyperlinks) goes through openpyxl's own cell writer. tests/test_xlsx_tables.py
compares the bytes with openpyxl's ``save`` on every kind of cell leitai writes.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile

from lxml.etree import Element, SubElement
from openpyxl.cell._writer import _set_attributes
from openpyxl.compat import safe_string
from openpyxl.drawing.spreadsheet_drawing import SpreadsheetDrawing
from openpyxl.utils import get_column_letter as column_letter
from openpyxl.worksheet._writer import WorksheetWriter
from openpyxl.writer.excel import ExcelWriter
from openpyxl.xml.functions import XML_NS

_PRESERVE = f"{{{XML_NS}}}space"


class _RowWriter(WorksheetWriter):
    """A worksheet written into memory, each row of plain cells as one element."""

    def write_row(self, xf: Any, row: Any, row_idx: int) -> None:
        attrs = {"r": f"{row_idx}"}
        attrs.update(self.ws.row_dimensions.get(row_idx, {}))
        if any(cell._comment is not None or cell.hyperlink or cell.data_type not in _PLAIN
               or (cell.data_type == "s" and type(cell._value) is not str) for cell in row):
            super().write_row(xf, row, row_idx)  # openpyxl's own way for what this does not cover
            return
        element = Element("row", attrs)
        styles = self.ws.parent._cell_styles
        ids = self._style_ids
        for cell in row:
            value = cell._value
            style = cell._style
            styled = style is not None and any(style)
            if value is None and not styled:
                continue
            kind = cell.data_type
            if kind == "d":  # dates as openpyxl converts them
                value, attributes = _set_attributes(cell, styled)
            else:  # _set_attributes' result, made here: r, s (the style's index, registered as there), t
                attributes = {"r": f"{column_letter(cell.column)}{cell.row}"}
                if styled:
                    key = style.tobytes()
                    if key not in ids:
                        ids[key] = f"{styles.add(style)}"
                    attributes["s"] = ids[key]
                attributes["t"] = "inlineStr" if kind == "s" else kind
            c = SubElement(element, "c", attributes)
            if value == "" or value is None:
                c.text = ""  # written <c …></c>, as openpyxl's writer does
            elif kind == "s":
                t = SubElement(SubElement(c, "is"), "t", {_PRESERVE: "preserve"} if value != value.strip() else {})
                t.text = value
            else:
                SubElement(c, "v").text = safe_string(value)
        if not len(element):
            element.text = ""  # <row …></row>
        xf.write(element)

    @property
    def _style_ids(self) -> dict[bytes, str]:
        """Style array bytes -> its index in the workbook's cell styles, for this sheet (openpyxl
        hashes the array again for every cell)."""
        if not hasattr(self, "_ids"):
            self._ids: dict[bytes, str] = {}
        return self._ids


_PLAIN = frozenset("snbd")


class _MemoryExcelWriter(ExcelWriter):
    def write_worksheet(self, ws: Any) -> None:
        if self.workbook.write_only:
            super().write_worksheet(ws)
            return
        ws._drawing = SpreadsheetDrawing()
        ws._drawing.charts = ws._charts
        ws._drawing.images = ws._images
        writer = _RowWriter(ws, out=io.BytesIO())
        writer.write()
        ws._rels = writer._rels
        self._archive.writestr(ws.path[1:], writer.out.getvalue())
        self.manifest.append(ws)


def save_bytes(workbook: Any) -> bytes:
    """``workbook.save`` into bytes (a package re-packed by ``fileio.normalized_zip`` after)."""
    buffer = io.BytesIO()
    archive = ZipFile(buffer, "w", ZIP_DEFLATED, allowZip64=True)
    workbook.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    _MemoryExcelWriter(workbook, archive).save()
    return buffer.getvalue()

