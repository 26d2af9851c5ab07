"""GB/T 2260 codes of places outside the county: lookup by code and parsing of Chinese addresses.

The table is the one python-stdnum ships for ID-number validation (``stdnum/cn/loc.dat``), restricted to codes in
use today. Destinations are stored as 6-digit codes: province ``xx0000``, city ``xxxx00``, county ``xxxxxx``.
"""

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import stdnum

from zyparty.validators import normalize_text

_SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "地区", "新区", "林区", "省", "市", "区", "县", "旗", "盟")
_ETHNIC = re.compile(r"(壮族|回族|维吾尔|藏族|蒙古族|朝鲜族|土家族|苗族|彝族|哈尼族|傣族|侗族|布依族|瑶族|白族|黎族|羌族|畲族|土族|撒拉族|仡佬族|水族|纳西族|景颇族|傈僳族|拉祜族|佤族|哈萨克|柯尔克孜|蒙古|达斡尔族|鄂温克族|满族|各族|仫佬族|毛南族|京族|裕固族|保安族|东乡族|普米族|独龙族|怒族|阿昌族|德昂族|基诺族|布朗族|鄂伦春族|锡伯族|塔吉克族|俄罗斯族|赫哲族|门巴族|珞巴族)+")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # province / city / county

    @property
    def province_code(self):
        return self.code[:2] + "0000"

    @property
    def city_code(self):
        return self.code[:4] + "00"


def _current_name(raw: str):
    """The name in use today from entries like ``[1983-1989]罗湖区办事处,[1990-]罗湖区``; None if abolished."""
    for part in raw.split(","):
        if not part.startswith("["):
            return part
        span, name = part[1:].split("]", 1)
        if not span.split("-")[1]:
            return name
    return None


@functools.lru_cache(maxsize=1)
def regions() -> dict:
    path = Path(stdnum.__file__).parent / "cn" / "loc.dat"
    table = {}
    province = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        if not line.startswith(" "):
            code, rest = line.split(" ", 1)
            province = code
            name = rest.split('"')[1]
            table[code + "0000"] = Region(code + "0000", name, "province")
            continue
        sub, rest = line.strip().split(" ", 1)
        code = province + sub
        if code.endswith("0000"):
            continue
        name = _current_name(rest.split('"')[1])
        if not name or name in {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}:
            continue
        level = "city" if code.endswith("00") else "county"
        table[code] = Region(code, name, level)
    return table


def region(code: str):
    return regions().get(code)


def region_label(code: str) -> str:
    """Full name of a code: ``440306`` → ``广东省深圳市宝安区``."""
    if not code:
        return ""
    parts = []
    for prefix in (code[:2] + "0000", code[:4] + "00", code):
        r = regions().get(prefix)
        if r and (not parts or parts[-1] != r.name):
            parts.append(r.name)
    return "".join(parts) or code


def _short(name: str) -> str:
    stem = _ETHNIC.sub("", name)
    for suffix in _SUFFIXES:
        if stem.endswith(suffix) and len(stem) > len(suffix) + 1:
            return stem[: -len(suffix)]
    return stem


@functools.lru_cache(maxsize=1)
def _index():
    provinces, cities, counties = {}, {}, {}
    for r in regions().values():
        target = {"province": provinces, "city": cities, "county": counties}[r.level]
        for key in {r.name, _short(r.name)}:
            target.setdefault(key, []).append(r)
    return provinces, cities, counties


def _match_prefix(text, index, within=None):
    """The longest name in ``index`` that ``text`` starts with, optionally under a code prefix."""
    best = None
    for size in range(min(len(text), 12), 1, -1):
        for r in index.get(text[:size], ()):
            if within is None or r.code.startswith(within):
                best = (r, size)
                break
        if best:
            break
    return best


def parse_address(text) -> str:
    """The most specific GB/T 2260 code named at the start of an address, or "".

    "广东省深圳市宝安区西乡街道" → 440306; "深圳宝安" → 440306; "浙江杭州" → 330100; "新疆" → 650000.
    """
    text = re.sub(r"\s+", "", normalize_text(text))
    if not text:
        return ""
    if re.fullmatch(r"\d{6}", text):
        return text if text in regions() else ""
    provinces, cities, counties = _index()
    code, rest = "", text
    hit = _match_prefix(rest, provinces)
    if hit:
        code, rest = hit[0].code, rest[hit[1]:]
    hit = _match_prefix(rest, cities, code[:2] or None)
    if hit:
        code, rest = hit[0].code, rest[hit[1]:]
    hit = _match_prefix(rest, counties, (code[:4] if code.endswith("00") and not code.endswith("0000") else code[:2]) or None)
    if hit:
        code = hit[0].code
    return code
