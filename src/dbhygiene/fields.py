"""The canonical fields a mapped record may have. Shared by the mapping stage and the catalogue (which
checks message placeholders against them at load) without the catalogue importing a pipeline stage."""

CANONICAL_FIELDS = (
    "full_name", "given_names", "surname", "national_id", "id_type", "birth_date", "age", "sex",
    "entry_date", "offence", "issuing_authority", "warrant_ref", "subject_category", "jurisdiction",
    "review_date", "photo_date", "record_id",
    # real published lists (issue 11)
    "nationality", "passport", "listing_reason", "aliases", "subject_type", "group_id", "name_type",
    "place_of_birth",
    "status", "expiry_date",  # warrant status and listing expiry (issue 9)
)
