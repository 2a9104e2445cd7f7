"""Rule implementations, one module per family. Importing this package registers them all."""

from . import dates, duplicates, fileprot, id_shape, identity, legitimacy, minors, names, several, structure  # noqa: F401

FAMILY_MODULES = ["dates", "duplicates", "fileprot", "id_shape", "identity", "legitimacy", "minors", "names",
                  "several", "structure"]
