"""Pinyin initials for searching people by name (张三 → zs), as clerks type on a phone or a Latin keyboard."""

import functools
import re

from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT

_HAN = re.compile(r"[\u4e00-\u9fff]{2,}")


@functools.lru_cache(maxsize=65536)
def initials(name: str) -> str:
    if not name:
        return ""
    quick = _by_character(name)
    if quick is not None:
        return quick
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore", strict=False)
    return "".join(letters).lower()[:20]


@functools.lru_cache(maxsize=16384)
def _character(char: str) -> str:
    return "".join(lazy_pinyin(char, style=Style.FIRST_LETTER, errors="ignore", strict=False)).lower()


def _by_character(name: str):
    """The same answer without pypinyin's word segmentation (~50 µs a name; an import meets 100,000 names,
    PERFORMANCE.md): when no run of two or more characters of a Chinese name is a word of pypinyin's phrase
    dictionary, pypinyin converts it character by character, so the per-character results joined are its result.
    None when that does not hold (a name containing a dictionary word, or anything but CJK characters)."""
    if not _HAN.fullmatch(name):
        return None
    size = len(name)
    for start in range(size - 1):
        for end in range(start + 2, size + 1):
            if name[start:end] in PHRASES_DICT:
                return None
    return "".join(map(_character, name))[:20]
