"""The office's own words: how the campaign's whole is named, and who gets the briefing.

A county office writes 全县, a city office 全市, a district 全区. The level is the first
administrative unit named in the issuer (江城市攻坚年行动指挥部办公室 → 市 → 全市), unless
campaign.toml ``[campaign] level`` says otherwise. The 抄送 line of the 版记 defaults to that
level's four leading bodies and the issuer's command members (``default_cc``); campaign.toml
``[report] cc`` and ``printed_by`` replace it. Nothing here names a level the campaign has not.
"""

from __future__ import annotations

import re

# Administrative units, longest first so 自治区 is not read as 区; 街道 before 道.
LEVELS = ("自治区", "自治州", "自治县", "街道", "省", "市", "州", "盟", "县", "旗", "区", "镇", "乡")
# A level's whole as written in text: 自治区 → 全区, 自治州 → 全州, 自治县 → 全县.
_WHOLE = {"自治区": "全区", "自治州": "全州", "自治县": "全县", "街道": "全街道"}
GENERIC_WHOLE = "全域"  # when the issuer names no administrative unit and none is set
_LEVEL_RE = re.compile("|".join(LEVELS))


def infer_level(issuer: str) -> str | None:
    """The first administrative unit in the issuer's name (after at least one character of
    place name), e.g. '天台县“通堵点”…办公室' → '县'; None when there is none."""
    for match in _LEVEL_RE.finditer(issuer):
        level, after = match.group(0), issuer[match.end(): match.end() + 1]
        if match.start() < 1 or (level == "州" and after in ("市", "区", "县")):
            continue  # 杭州市, 广州市: the 州 is part of the city's name
        return level
    return None


def whole_word(level: str | None) -> str:
    """'市' → '全市'; an already whole word ('全市') is kept; None → a neutral word."""
    if not level:
        return GENERIC_WHOLE
    if level.startswith("全"):
        return level
    return _WHOLE.get(level, f"全{level}")


def parse_level(value: str) -> str | None:
    """A campaign.toml level ('市', '全市', '自治区', '全区') as its whole word, or None if unknown."""
    text = value.strip()
    bare = text[1:] if text.startswith("全") and len(text) > 1 else text
    if bare in LEVELS:
        return whole_word(bare)
    return None


def default_cc(whole: str, issuer: str) -> str:
    """抄送 for a briefing at this level: its leading bodies, and the members of the issuer's
    command (指挥部) when the issuer is a command's office. ``whole`` is e.g. '全市'."""
    level = whole.removeprefix("全")
    if level == "区" and infer_level(issuer) == "自治区":  # a region, not a district: its own bodies
        leaders = "自治区党委、自治区人大常委会、自治区人民政府、自治区政协主要领导"
    elif level in ("县", "区", "市", "省", "州", "旗", "盟"):
        leaders = f"{level}委、{level}人大常委会、{level}政府、{level}政协主要领导"
    elif level in ("镇", "乡"):
        leaders = f"{level}党委、{level}人大主席团、{level}政府主要领导"
    elif level == "街道":
        leaders = "街道党工委、街道办事处主要领导"
    else:
        leaders = ""
    members = issuer[: issuer.index("指挥部") + 3] + "成员单位" if "指挥部" in issuer else ""
    return "，".join(part for part in (leaders, members) if part) + ("。" if leaders or members else "")
