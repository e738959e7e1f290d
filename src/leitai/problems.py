"""Data problems: records, never exceptions.

A unit's mistake becomes a ``Problem`` with the file, sheet and cell it was found in,
a stable ``code``, the value seen, and a message plus a how-to-fix in Chinese. The run
goes on with everything that is good; the records become the 数据问题 workbook, the
manifest's summary and the briefing's attachment.

The wording of every code lives in ``CATALOGUE`` so it reads the same everywhere.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning", "info"]

# code: (severity, message template, fix template). Templates use str.format fields.
CATALOGUE: dict[str, tuple[Severity, str, str]] = {
    # --- file level -------------------------------------------------------------
    "file_unreadable": ("error", "文件无法打开：{detail}", "请用 Excel 或 WPS 打开确认文件完好，另存为 .xlsx 后重新报送"),
    "file_encrypted": ("error", "文件设有打开密码，无法读取", "请取消密码后重新报送"),
    "file_lock": ("info", "Office 临时锁文件（~$ 开头），已跳过", "无需处理；如表格仍在编辑，请保存并关闭后再运行"),
    "file_incomplete": ("info", "文件仍在复制或写入中，本次已跳过", "待文件复制完成后重新运行"),
    "file_skipped": ("warning", "未读取：{detail}", "如是单位报送的表格，请把文件本身（不是链接或文件夹）直接放入本期输入文件夹"),
    "file_name_encoding": ("info", "文件名不是 UTF-8 编码，已按中文 Windows 编码读作“{detail}”", "无需处理；如名称显示不对，请改用正常的文件名"),
    "file_not_sheet": ("info", "不是表格文件（{detail}），已跳过", "如是单位报送的材料，请让其改用填报表模板报送"),
    "file_not_workbook": ("error", "不是 Excel 工作簿（{detail}）", "请使用下发的填报表模板（.xlsx）填写后报送"),
    "file_foreign": ("error", "{value}，本工具无法直接读取", "请在{detail}中用“另存为”保存为 Excel 工作簿（.xlsx）后重新报送"),
    "file_too_large": ("error", "文件过大或结构异常，已拒收：{detail}", "请用下发的模板重新填写，不要粘贴大量无关内容"),
    "file_unsafe": ("error", "文件含有不安全的内容（{detail}），已拒收", "请用下发的模板重新填写后报送"),
    "not_progress_sheet": ("error", "未找到填报表（缺少表头：{detail}）", "请使用下发的填报表模板，不要修改表头"),
    "wrong_campaign": ("error", "不是本次攻坚行动的填报表（表内为“{value}”）", "请使用本次行动下发的模板重新填写"),
    "wrong_period": ("error", "期次不符：表内为第{value}期，本次汇总第{expected}期", "请使用第{expected}期模板填写后重新报送"),
    "unknown_unit": ("error", "无法识别填报单位“{value}”{detail}", "请在模板“填报单位”处填写规范的单位名称，或由办公室在计划表“单位”页补充别名"),
    "unit_name_mismatch": ("warning", "文件名是“{value}”，表内填报单位却是“{detail}”，按“{detail}”计",
                           "请核对：如确是{value}的表格，请{value}用本单位的模板重新填报"),
    "duplicate_submission": ("warning", "同一单位报送了多份表格，采用较晚的一份（{detail}）", "请确认以最后报送的表格为准；如有误请重新报送一份完整的表格"),
    "duplicate_in_export": ("warning", "该单位另报送了较晚的表格，本汇总表中该单位的行未采用（{detail}）",
                            "请确认以最后报送的为准；如有误请重新报送"),
    # --- row level ----------------------------------------------------------------
    "export_unknown_unit": ("error", "无法识别该行的填报单位“{value}”{detail}，该行未计入",
                            "请填写规范的单位名称，或由办公室在计划表“单位”页补充别名"),
    "export_missing_rows": ("warning", "汇总表中没有本单位以下节点的行：{value}", "这些节点本期按上期状态计；如有进展请补报"),
    "bad_submit_time": ("warning", "无法识别的提交时间“{value}”，按文件保存时间计", "请保留在线表单导出的提交时间，不要手工修改"),
    "unknown_node": ("error", "计划中没有该节点（项目编号 {value}）", "请核对项目编号和节点序号，使用模板中预填的行"),
    "other_unit_node": ("error", "该节点属于“{detail}”，不是本单位牵头的项目", "请删除该行，或由牵头单位填报"),
    "conflicting_rows": ("error", "同一节点填报了多行且内容矛盾（{detail}）", "每个节点只保留一行，请删除重复行"),
    "duplicate_row": ("info", "同一节点重复填报，内容一致，已合并", "可删除重复行"),
    "missing_node_row": ("warning", "模板中的节点行被删除（项目 {value}）", "请恢复该节点行并填写完成情况；本期按上期状态计"),
    "done_without_date": ("warning", "标为已完成但未填实际完成日期，按截止日期 {detail} 计", "请补填实际完成日期"),
    "date_after_cutoff": ("warning", "实际完成日期 {value} 晚于本期截止日期 {detail}，本期不计为完成", "如日期填错请更正；确于截止日期后完成的，请在下期填报"),
    "date_before_start": ("info", "实际完成日期 {value} 早于行动开始日期 {detail}，照常计为完成",
                          "日期有误的请更正；无误则无需处理（已完成的节点每期都会带出此日期）"),
    "date_without_done": ("warning", "填了实际完成日期但完成情况不是“已完成”，按未完成计", "如已完成，请在完成情况中选择“已完成”"),
    "bad_date": ("error", "无法识别的日期“{value}”{detail}", "请填写形如 {example} 的真实日期"),
    "bad_status": ("error", "无法识别的完成情况“{value}”，按未完成计", "请从下拉框选择“已完成”或“未完成”"),
    "bad_percent": ("error", "无法识别的形象进度“{value}”", "请填写 0–100 之间的数字，如 85"),
    "percent_out_of_range": ("error", "形象进度 {value} 超出 0–100 范围", "请填写 0–100 之间的数字，如 85"),
    "bad_number": ("error", "无法识别的数字“{value}”", "请填写数字（单位：万元），如 1250.5"),
    "negative_number": ("error", "累计完成投资不能为负数（“{value}”），本期按上期数计", "请填写自行动开始累计完成的投资额（万元）"),
    "approximate_number": ("warning", "累计完成投资“{value}”是估算值，按 {detail} 万元计", "请填写准确的累计完成投资额（万元），不要写“约”“左右”等字样"),
    "invest_lower": ("warning", "累计完成投资 {value} 万元低于上期的 {detail} 万元，仍按上期数计",
                     "累计完成投资是自行动开始的累计数，不应减少；如上期填错，请说明情况并由办公室核实"),
    "invest_blank": ("warning", "累计完成投资未填，按上期的 {detail} 万元计", "请填写截至本期的累计完成投资额（万元）"),
    "regression": ("warning", "该节点在第{detail}期已记录为完成，本期报为未完成，仍按已完成计", "如确需撤销，请由办公室在核定表中核定"),
    "missing_reason": ("warning", "节点计划{detail}完成，已逾期未完成，但“存在问题”未写原因",
                       "请在“存在问题”栏写明未完成的原因和下步措施"),
    "long_text": ("info", "文字过长（{detail} 字），已截断保存", "请精简填写内容"),
    # --- office overrides ---------------------------------------------------------
    "override_applied": ("info", "办公室核定：{detail}", "无需处理"),
    "override_deferred": ("info", "办公室核定：{detail}，晚于本期截止日期，本期按未完成计，自该日期后的截止日起按已完成计",
                          "无需处理"),
    "bad_override": ("error", "核定表有误：{detail}", "请修改核定表后重新运行"),
    "bad_adjustment": ("error", "加减分表有误，该行未计入：{detail}", "请修改加减分表（单位、分值、事由）后重新运行"),
    "adjustments_unused": ("info", "本期有加减分表，但 campaign.toml 未设置综合得分（[score]），加减分未计入",
                           "如需计入，请在 campaign.toml 的 [rules] 中设置 rank_by = \"score\" 并配置 [score] 权重"),
}


@dataclass(frozen=True)
class Problem:
    """One data problem. ``cell`` is an A1 reference on ``sheet`` (empty for file-level)."""

    code: str
    file: str = ""
    unit: str = ""
    sheet: str = ""
    cell: str = ""
    value: str = ""
    message: str = ""
    fix: str = ""
    severity: Severity = "warning"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def problem(code: str, *, file: str = "", unit: str = "", sheet: str = "", cell: str = "",
            value: object = "", **fields: object) -> Problem:
    """Make a Problem with its Chinese message and fix from the catalogue.

    ``fields`` fill the templates' other placeholders (``detail``, ``expected``…);
    missing placeholders render as empty text rather than failing.
    """
    severity, message, fix = CATALOGUE[code]
    values = _Blank(value="" if value is None else str(value), **{k: str(v) for k, v in fields.items()})
    return Problem(
        code=code, file=file, unit=unit, sheet=sheet, cell=cell,
        value=values["value"],
        message=message.format_map(values), fix=fix.format_map(values), severity=severity,
    )


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


@functools.lru_cache(maxsize=1024)  # a sheet's few columns, asked for every row
def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_ref(row: int, col: int) -> str:
    """A1 reference from 1-based row and column."""
    return f"{column_letter(col)}{row}"
