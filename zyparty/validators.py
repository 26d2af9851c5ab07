"""Validation of the natural keys and contact fields of CONTRACT.md, with messages a clerk can act on."""

import datetime
import re
import time
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

_SPACES = re.compile(r"[\s\u3000\u00a0'’‘`\-]+")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def normalize_text(value) -> str:
    """Full-width characters to half-width (NFKC), surrounding spaces removed."""
    if value is None:
        return ""
    return unicodedata.normalize("NFKC", str(value)).strip()


def normalize_code(value) -> str:
    """An identifier as typed or pasted: full-width digits, inner spaces, dashes and a stray apostrophe removed."""
    if type(value) is str and value.isascii() and value.isalnum():  # already compact: an import's common case
        return value.upper()
    return _SPACES.sub("", normalize_text(value)).upper()


def normalize_id_number(value) -> str:
    return normalize_code(value)


def validate_id_number(value) -> str:
    """Resident ID number, GB 11643 (ISO 7064 MOD 11-2), via python-stdnum. Returns the normalised number.

    The steps of ``stdnum.cn.ric.validate`` (length, format, checksum, birth date) but one: it also refuses an area
    code that did not exist on the birth date, while an ID keeps the code of the place and time it was first issued
    (DOMAIN.md "Codes") — so the area is never a reason to refuse. The birth date must be a real day between 1900 and
    today. An import checks 100,000 numbers (PERFORMANCE.md), so nothing here looks anything up.
    """
    number = normalize_id_number(value)
    if not number:
        raise ValidationError(_("请填写身份证号。"), code="required")
    if len(number) != 18:
        raise ValidationError(_("身份证号应为18位，当前为%(n)d位。") % {"n": len(number)}, code="id_length")
    if not (number[:17].isascii() and number[:17].isdigit()):
        raise ValidationError(_("身份证号前17位应为数字，最后一位为数字或X。"), code="id_format")
    if number[-1] != ric.calc_check_digit(number):
        raise ValidationError(_("身份证号校验位不正确，请核对是否录错。"), code="id_checksum")
    try:
        born = _birth_date(number)
    except InvalidComponent:
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth_date")
    if born.year < 1900 or born > _today():
        raise ValidationError(_("身份证号中的出生日期无效。"), code="id_birth_date")
    return number


_day = [0.0, None]  # (when to look again, today)


def _today() -> datetime.date:
    """``date.today()``, looked up again at most once a minute (an import validates 100,000 ID numbers)."""
    now = time.monotonic()
    if now >= _day[0]:
        _day[:] = [now + 60, datetime.date.today()]
    return _day[1]


def _birth_date(number: str) -> datetime.date:
    """``ric.get_birth_date`` without its character-by-character cleaning when the number is already compact (18
    ASCII characters): imports call this 100,000 times (PERFORMANCE.md)."""
    if len(number) != 18 or not number.isascii() or not number.isalnum():
        return ric.get_birth_date(number)
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise InvalidComponent()


def id_number_facts(number: str):
    """(gender, birth date) encoded in a valid ID number: the 17th digit is odd for men (GB 11643)."""
    gender = "M" if int(number[16]) % 2 else "F"
    return gender, _birth_date(number)


def validate_credit_code(value) -> str:
    """Unified social credit code, GB 32100, via python-stdnum. Returns the normalised code."""
    code = normalize_code(value)
    if not code:
        raise ValidationError(_("请填写统一社会信用代码。"), code="required")
    try:
        uscc.validate(code)
    except InvalidLength:
        raise ValidationError(_("统一社会信用代码应为18位，当前为%(n)d位。") % {"n": len(code)}, code="uscc_length")
    except InvalidChecksum:
        raise ValidationError(_("统一社会信用代码校验位不正确，请核对是否录错。"), code="uscc_checksum")
    except (InvalidFormat, InvalidComponent):
        raise ValidationError(_("统一社会信用代码格式不正确。"), code="uscc_format")
    return code


def normalize_phone(value) -> str:
    phone = normalize_code(value)
    if phone.startswith("+86"):
        phone = phone[3:]
    elif phone.startswith("86") and len(phone) == 13:
        phone = phone[2:]
    return phone


def validate_phone(value) -> str:
    """A mainland mobile number (11 digits, 1[3-9]…) or a landline with area code. Returns the normalised number."""
    phone = normalize_phone(value)
    if not phone:
        return ""
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return phone
    raise ValidationError(_("联系电话格式不正确：手机号应为11位，座机应带区号。"), code="phone")


class CharacterClassesValidator:
    """Passwords need characters from several classes (upper, lower, digit, symbol): 等保三级 practice."""

    def __init__(self, min_classes=3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        classes = [
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        ]
        if sum(classes) < self.min_classes:
            raise ValidationError(
                _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes},
                code="password_classes",
            )

    def get_help_text(self):
        return _("密码须包含大写字母、小写字母、数字、符号中的至少%(n)d类。") % {"n": self.min_classes}
