"""Settings of the command line's own process (a library user's process keeps its own)."""

from __future__ import annotations

import os


def tune_memory() -> bool:
    """Large arrays without transparent huge pages, unless ``NUMPY_MADVISE_HUGEPAGE`` says otherwise.

    numpy asks the kernel for huge pages for every array over 4 MB. A check allocates and frees
    thousands of short-lived million-element arrays, and each fresh huge page is zeroed (and
    perhaps compacted for) again: on the 1M-row benchmark that doubled the kernel time of the
    whole run (sys 7.6-9.9 s with, 3.7-4.2 s without, on the 2-vCPU microVM). Returns whether the
    setting was changed.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:  # the user's explicit choice stands
        return False
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # another numpy layout: leave it as it is
        return False
    _set_madvise_hugepage(False)
    return True
