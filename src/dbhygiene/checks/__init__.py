"""Rule implementations, one module per family. Importing this package registers them all."""

from . import duplicates, structure  # noqa: F401

FAMILY_MODULES = ["duplicates", "structure"]


def _load_optional() -> None:
    import importlib

    for name in ("dates", "minors", "identity"):
        try:
            importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
        else:
            FAMILY_MODULES.append(name)


_load_optional()
