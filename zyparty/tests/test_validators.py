import datetime

import pytest
from django.core.exceptions import ValidationError

from zyparty.validators import (
    id_number_facts,
    validate_credit_code,
    validate_id_number,
    validate_phone,
)


@pytest.mark.parametrize("raw, expected", [
    ("11010519491231002X", "11010519491231002X"),
    ("11010519491231002x", "11010519491231002X"),
    ("１１０１０５１９４９１２３１００２Ｘ", "11010519491231002X"),  # full-width, as pasted from WPS
    (" 110105 19491231 002X ", "11010519491231002X"),
    ("'11010519491231002X", "11010519491231002X"),  # Excel text prefix
])
def test_id_number_normalised(raw, expected):
    assert validate_id_number(raw) == expected


def test_old_area_code_is_accepted():
    # 612425 was 紫阳县 until 2000 (DOMAIN.md "Codes"): someone born in 2005 may still carry it; never refused.
    from stdnum.cn import ric

    body = "61242520050101001"
    number = body + ric.calc_check_digit(body + "0")
    assert not ric.is_valid(number)  # stdnum alone would refuse it
    assert validate_id_number(number) == number


@pytest.mark.parametrize("raw, code", [
    ("11010519491231002", "id_length"),
    ("1101051949123100AX", "id_format"),
    ("110105194912310021", "id_checksum"),
    ("", "required"),
])
def test_id_number_errors_are_specific(raw, code):
    with pytest.raises(ValidationError) as exc:
        validate_id_number(raw)
    assert exc.value.code == code
    assert any("身份证号" in m for m in exc.value.messages)


@pytest.mark.parametrize("birth", ["18991231", "20991231", "19900230"])
def test_impossible_birth_dates_are_refused_whatever_the_area(birth):
    from stdnum.cn import ric

    for area in ("610924", "110105", "612425"):  # today's code, another county's, a retired one
        body = f"{area}{birth}001"
        with pytest.raises(ValidationError) as exc:
            validate_id_number(body + ric.calc_check_digit(body + "0"))
        assert exc.value.code == "id_birth_date"


def test_id_facts():
    assert id_number_facts("11010519491231002X") == ("F", datetime.date(1949, 12, 31))


def test_credit_code():
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"
    with pytest.raises(ValidationError) as exc:
        validate_credit_code("91350100M000100Y44")
    assert "校验位" in exc.value.messages[0]


@pytest.mark.parametrize("raw, ok", [
    ("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("0915-5212345", "09155212345"),
    ("", ""),
])
def test_phone_ok(raw, ok):
    assert validate_phone(raw) == ok


@pytest.mark.parametrize("raw", ["12345", "23800138000", "1380013800"])
def test_phone_bad(raw):
    with pytest.raises(ValidationError):
        validate_phone(raw)
