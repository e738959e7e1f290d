"""The office's own words: how the campaign's whole is named, and who gets the briefing.

A county office writes 全县, a city office 全市, a district 全区. The level is the issuer's own
administrative unit, the last of the place names it begins with (江城市攻坚年行动指挥部办公室 → 市
→ 全市; 某某市临江区… → 区 → 全区), unless
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
    """The issuer's own administrative unit: the last of the place names its name begins with,
    e.g. '天台县“通堵点”…办公室' → '县', '某某市临江区“项目攻坚年”…办公室' → '区' (a district of a
    city), '浙江省杭州市萧山区…' → '区'; None when it names none. A name part that is a common
    noun (重点区块, 功能区, 市场监管…) ends the place names rather than adding one."""
    level, end = None, 0
    for match in _LEVEL_RE.finditer(issuer):
        name, unit = issuer[end:match.start()], match.group(0)
        after = issuer[match.end(): match.end() + 1]
        if unit == "州" and after in ("市", "区", "县"):
            continue  # 杭州市, 广州市: the 州 is part of the city's name; read on to the 市
        if not name and level is None:
            continue  # the issuer starts with a level word: no place name before it
        if not name or len(name) > _PLACE_NAME_MAX or not _place_like(name):  # “…” or digits: no place name
            break  # text that is not a place name: the place names have ended
        if level is not None and (unit + after in _NOUNS or any(
                name == word or (len(word) > 1 and name.endswith(word)) for word in _NOUN_STEMS.get(unit, ()))):
            break  # after the first place name, a common noun (重点区块, 开发区, 城区) is no place
        level, end = unit, match.end()
    return level


def _place_like(name: str) -> bool:
    """Letters only; ×, the placeholder of a name still to be filled in (××市…), counts as one."""
    return all(ch.isalpha() or ch == "×" for ch in name)


_PLACE_NAME_MAX = 9  # 克孜勒苏柯尔克孜 (自治州) is eight; a longer run is not a place name
_NOUNS = {"区块", "区域", "区间", "市场", "县域", "镇域", "乡村"}  # a level word that begins a common noun
_NOUN_STEMS = {"区": ("园", "片", "街", "社", "景", "小", "城", "重点", "功能", "核心", "示范", "试验", "开发", "保护"),
               "镇": ("城", "集", "乡"), "市": ("超", "都")}  # one character: the whole name; longer: its end


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
    command (指挥部) or leading group (领导小组) when the issuer is its office. ``whole`` is e.g. '全市'."""
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
    # the members of the body the issuer is the office of: 指挥部, or 领导小组 where that runs the campaign
    body = next((word for word in ("指挥部", "领导小组") if word in issuer), "")
    members = issuer[: issuer.index(body) + len(body)] + "成员单位" if body else ""
    return "，".join(part for part in (leaders, members) if part) + ("。" if leaders or members else "")
