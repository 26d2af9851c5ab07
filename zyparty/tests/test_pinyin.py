"""Pinyin initials: the per-character shortcut must give exactly what pypinyin's word segmentation gives."""

import random

import pytest
from faker.providers.person.zh_CN import Provider as Names
from pypinyin import Style, lazy_pinyin

from zyparty.pinyin import _by_character, initials


def segmented(name):
    return "".join(lazy_pinyin(name, style=Style.FIRST_LETTER, errors="ignore", strict=False)).lower()[:20]


@pytest.mark.parametrize("name, expected", [("张三", "zs"), ("赵六", "zl"), ("欧阳娜娜", "oynn"), ("", "")])
def test_initials(name, expected):
    assert initials(name) == expected


@pytest.mark.parametrize("name", ["张长江", "李解放", "王重庆", "单雄信", "曾国藩", "张三A", "Zhang San"])
def test_names_containing_dictionary_words_or_latin_take_pypinyins_own_path(name):
    assert initials(name) == segmented(name)


def test_shortcut_agrees_with_pypinyin_on_many_names():
    rng = random.Random(4)
    surnames, given = list(Names.last_names), list(Names.first_names_male) + list(Names.first_names_female)
    names = {rng.choice(surnames) + rng.choice(given) for _ in range(3000)}
    names |= {"".join(chr(rng.randrange(0x4E00, 0x9FA6)) for _ in range(3)) for _ in range(1000)}
    quick = [n for n in names if _by_character(n) is not None]
    assert len(quick) > len(names) * 0.9  # the shortcut is what runs for nearly every name
    assert [n for n in quick if _by_character(n) != segmented(n)] == []
