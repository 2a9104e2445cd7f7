"""Redaction of personal data in messages: names as initials, IDs masked but for the last 3
characters, birth dates as the year. Applied to the few values a message shows, never to data."""

from __future__ import annotations

import re

NAME_FIELDS = {"full_name", "given_names", "surname"}
ID_FIELDS = {"national_id", "warrant_ref"}
BIRTH_FIELDS = {"birth_date"}
_YEAR = re.compile(r"(1[0-9]{3}|20[0-9]{2})")


def initials(name: str) -> str:
    tokens = re.findall(r"[^\W\d_]+", name)
    return " ".join(f"{t[0].upper()}." for t in tokens) or "[name]"


def mask_id(value: str) -> str:
    value = value.strip()
    if len(value) <= 3:
        return "*" * len(value)
    return "*" * (len(value) - 3) + value[-3:]


def birth_year(value: str) -> str:
    years = _YEAR.findall(value)
    if len(years) == 1:
        return re.sub(r"[0-9]", "*", value.replace(years[0], "\0")).replace("\0", years[0])
    return re.sub(r"[0-9]", "*", value)


def redact(field: str, value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "(blank)"
    text = str(value)
    if field in NAME_FIELDS:
        return initials(text)
    if field in ID_FIELDS:
        return mask_id(text)
    if field in BIRTH_FIELDS:
        return birth_year(text)
    return text


def show(field: str, value, show_pii: bool) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "(blank)"
    if show_pii:
        return str(value)
    return redact(field, value)
