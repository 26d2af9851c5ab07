"""Masking of personal data for display, and a log filter that keeps it out of application logs (SECURITY.md)."""

import logging
import re

ID_RE = re.compile(r"(?<!\d)(\d{6})(\d{8})(\d{3}[\dXx])(?![\dXx])")
PHONE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_id_number(number: str) -> str:
    """``610924199001011234`` → ``6109**********1234``: region and check digits stay, birth date and serial go."""
    if not number:
        return ""
    return number[:4] + "*" * (len(number) - 8) + number[-4:] if len(number) > 8 else "*" * len(number)


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) == 11:
        return phone[:3] + "****" + phone[-4:]
    return phone[:-4].rstrip() + "****" if len(phone) > 4 else "****"


def mask_text(value: str) -> str:
    return "******" if value else ""


def scrub(text: str) -> str:
    text = ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    return PHONE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class PersonalDataLogFilter(logging.Filter):
    """Rewrites log records so that no full ID number or mobile number reaches a log file (SECURITY.md "logs";
    PIPL Art. 51): the message with its arguments, and a traceback — an exception's text often quotes the value that
    failed (``ValidationError: 610924… is not valid``), and the formatter would print it below the message."""

    def filter(self, record):
        message = record.getMessage()
        cleaned = scrub(message)
        if cleaned != message or record.args:
            # Arguments are folded into the scrubbed message: a handler that ships them apart (JSON, a collector)
            # would otherwise carry the clear values, including ones the format string does not show.
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[0] is not None:
            # Format the traceback once, scrubbed, where Formatter.format looks first; the exception object itself
            # is dropped so that no other handler formats the clear text again.
            record.exc_text = scrub(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = scrub(record.exc_text)
        if record.stack_info:
            record.stack_info = scrub(record.stack_info)
        return True
