"""The canonical fields a mapped record may have. Shared by the mapping stage and the catalogue (which
checks message placeholders against them at load) without the catalogue importing a pipeline stage,
and how headers are normalised before they are compared (the mapping stage, and the loader when it
looks for the header row)."""

import re
import unicodedata

CANONICAL_FIELDS = (
    "full_name", "given_names", "surname", "national_id", "id_type", "birth_date", "age", "sex",
    "entry_date", "offence", "issuing_authority", "warrant_ref", "subject_category", "jurisdiction",
    "review_date", "photo_date", "record_id",
    # real published lists (issue 11)
    "nationality", "passport", "listing_reason", "aliases", "subject_type", "group_id", "name_type",
    "place_of_birth",
    "status", "expiry_date",  # warrant status and listing expiry (issue 9)
)

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# columns holding one part of a name each: "Name 1".."Name 6", FIRST_NAME..FOURTH_NAME
NAME_PART = re.compile(r"^(?:name (\d)|(first|second|third|fourth|fifth|sixth) name)$")


def split_camel(header: str) -> str:
    """'startDate' -> 'start Date', 'recordId' -> 'record Id', 'SDN_Name' stays as written."""
    return _CAMEL.sub(" ", str(header))


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKD", split_camel(header))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return _NON_ALNUM.sub(" ", text).strip()
