"""Pinyin initials for searching people by name (张三 → zs), as clerks type on a phone or a Latin keyboard."""

import functools

from pypinyin import Style, lazy_pinyin


@functools.lru_cache(maxsize=65536)
def initials(name: str) -> str:
    if not name:
        return ""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore", strict=False)
    return "".join(letters).lower()[:20]
