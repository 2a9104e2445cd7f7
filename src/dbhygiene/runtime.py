"""Settings of the command line's own process (a library user's process keeps its own).

A check allocates and frees thousands of short-lived million-element arrays. On the 2-vCPU microVM
the benchmarks run on, every first touch of a fresh page costs a page fault (about 10 µs), so
memory handed back to the kernel and asked for again costs as much as the work done in it. These
settings keep freed memory in the process for reuse, within a bound: the whole process stays under
1 GB at 1M rows. Each one yields to the user's own setting of the same knob in the environment.
Between stages ``hand_back`` returns what a finished stage freed.
"""

from __future__ import annotations

import os
import sys

# glibc mallopt parameters (malloc.h)
M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4
TRIM_THRESHOLD = 1 << 30  # free memory kept at the heap's top before any is handed back (hand_back: between stages)
MALLOC_VARIABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_MMAP_MAX_", "MALLOC_TOP_PAD_")
MALLOC_POOL_MAX_ROWS = 2_000_000  # above this, pyarrow's own mimalloc (see arrow_pool_for)
MALLOC_POOL_MAX_BYTES = 256 << 20  # a file over this is read on mimalloc (1M CONARC-like rows: 158 MB)
_chose_malloc = False  # the command line put pyarrow on malloc (arrow_on_malloc): arrow_pool_for may undo it


def tune_memory() -> dict[str, bool]:
    """Apply every setting below; returns which ones were changed."""
    return {"glibc": keep_malloc_memory(), "huge_pages": no_huge_pages(), "arrow_pool": arrow_on_malloc(),
            "arrow": arrow_purges_at_once(), "gc": no_full_collections()}


FULL_COLLECTIONS_NEVER = 1 << 30  # young collections between full ones: never, in practice


def no_full_collections() -> bool:
    """The cyclic garbage collector's young collections only: no automatic full collection, unless the
    collector is off or its oldest threshold is not CPython's default (someone chose).

    A run keeps every finding (a dataclass and a dict or two each) until it exits, and each full
    collection walks all of them: on a 1M-row export with placeholder birth dates (494,000 findings)
    eleven full collections took 1.2-1.3 s of the run, on the 1M-row benchmark (86,000) 0.14-0.2 s,
    0.37 s on its UTF-8 copy; with them off, 0.01-0.02 s and the same peak resident size. What the
    pipeline keeps is not held in reference cycles: a 200k-row check run three times in one process
    with the collector off left 131-1,341 objects in cycles after each ``del`` (``gc.collect`` then freed
    no memory), and the young collections, which go on, collect the short-lived cycles of a stage. A
    collector that reports another oldest threshold (an incremental one reports 0) is left as it is.
    Returns whether the setting was changed."""
    import gc

    first, second, oldest = gc.get_threshold()
    if not gc.isenabled() or oldest != 10:
        return False
    gc.set_threshold(first, second, FULL_COLLECTIONS_NEVER)
    return True


def arrow_on_malloc() -> bool:
    """pyarrow's buffers from glibc's malloc (``ARROW_DEFAULT_MEMORY_POOL=system``, tuned by
    ``keep_malloc_memory``) rather than from its bundled mimalloc, unless the user set that variable
    or pyarrow is already loaded (it picks its pool when it starts).

    mimalloc asks the kernel for transparent huge pages for its arenas, and with its pages handed
    back at once (which kept the 1M-row run under 1 GB) every fresh 2 MB page is zeroed again: 727
    huge-page faults (1.4 GB zeroed) in one normalise of the 1M-row benchmark, 0.7-1.0 s of kernel
    time of its 1.1-1.7 s. On malloc: kernel time 0.27 s, normalise 1.0 s. Whole 1M-row check,
    medians of 4, interleaved: wall 5.96 -> 5.69 s, kernel time 2.47 -> 1.77 s, same peak
    (0.90-0.93 GB); mimalloc without huge pages (``MIMALLOC_ALLOW_THP=0``) was slower still (6.61 s:
    twice the page faults).
    """
    if "ARROW_DEFAULT_MEMORY_POOL" in os.environ or "pyarrow" in sys.modules:
        return False
    if sys.platform != "linux":  # measured on glibc only; elsewhere pyarrow's own choice stands
        return False
    global _chose_malloc
    os.environ["ARROW_DEFAULT_MEMORY_POOL"] = "system"
    _chose_malloc = True
    return True


def arrow_pool_for(rows: int = 0, size: int = 0) -> bool:
    """pyarrow back on its mimalloc for a long list: a file over ``MALLOC_POOL_MAX_BYTES`` (before
    reading it) or over ``MALLOC_POOL_MAX_ROWS`` records (after: a compressed file's size says little),
    only when ``arrow_on_malloc`` chose malloc; buffers already made stay in their own pool. Such a
    list's columns are large, and mimalloc's huge pages take one page fault per 2 MB where malloc's
    fresh heap takes one per 4 KB: at 5M rows (789 MB) reading took 6.8 s on malloc against 4.8 s
    when glibc still mapped its large blocks afresh, and with every block from the heap
    (``keep_malloc_memory``) the whole check still faulted more on malloc (2.96 against 2.33 million
    faults; 28.9-31.0 against 28.1-29.1 s). Returns whether the pool changed."""
    if not _chose_malloc or (rows <= MALLOC_POOL_MAX_ROWS and size <= MALLOC_POOL_MAX_BYTES):
        return False
    import pyarrow as pa

    try:
        mimalloc = pa.mimalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without it
        return False
    if pa.default_memory_pool().backend_name == mimalloc.backend_name:
        return False
    pa.set_memory_pool(mimalloc)
    return True


def arrow_purges_at_once() -> bool:
    """When pyarrow's allocator is mimalloc (the user's choice, or a long list's: see ``arrow_on_malloc``
    and ``arrow_pool_for``), it hands the pages of freed buffers back at once rather than after a delay (``MIMALLOC_PURGE_DELAY=0``), unless
    the user set that variable or pyarrow is already loaded (mimalloc reads it when it starts).

    On the 1M-row benchmark, with the trim threshold at 32 MB rather than 128 MB: peak resident size
    1.00 -> 0.90 GB in the first process, 0.80 -> 0.70 GB in the second; page faults 390,000 ->
    565,000 for the same CPU time (medians of 6: 8.0 and 7.9 s, wall 4.7 s both).
    """
    if "MIMALLOC_PURGE_DELAY" in os.environ or "pyarrow" in sys.modules:
        return False
    os.environ["MIMALLOC_PURGE_DELAY"] = "0"
    return True


def keep_malloc_memory() -> bool:
    """glibc's malloc: every block from its heap, none from a fresh ``mmap`` (``M_MMAP_MAX`` 0), and up
    to 1 GB freed at the heap's top kept for the next arrays instead of handed back at once
    (``hand_back`` returns what a stage freed, between stages).

    glibc maps any block over its mmap threshold (32 MB at most) afresh and unmaps it when freed, so
    each such array costs a page fault per 4 KB every time: at 5M rows every column of codes or dates
    (40 MB) is one. On the 5M-row sample (interleaved, 2 vCPU): page faults 4.4 -> 2.3 million,
    kernel time 20.8 -> 12.6-14.6 s, wall 30.9-32.5 -> 26.5-29.1 s, peak 3.82 -> 4.07 GB. On the 1M-row
    benchmark: faults 743,000 -> 640,000, wall 3.97 -> 3.62-3.81 s, peak 0.90 -> 0.89-0.93 GB. The
    earlier setting (arrays up to 32 MB from the heap, 32 MB kept at its top) stopped at 1M rows.
    (pyarrow's mimalloc told never to purge saved only 25,000 faults for 130 MB more: not done.)
    Any ``MALLOC_*`` tuning variable in the environment leaves malloc as the user set it. glibc only
    (``mallopt`` means something else or nothing elsewhere).
    """
    if sys.platform != "linux" or any(k in os.environ for k in MALLOC_VARIABLES):
        return False
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION").startswith("glibc"):
            return False
        import ctypes

        mallopt = ctypes.CDLL(None).mallopt
    except (ValueError, OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    return bool(mallopt(M_MMAP_MAX, 0)) & bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))


def no_huge_pages() -> bool:
    """Large arrays without transparent huge pages, unless ``NUMPY_MADVISE_HUGEPAGE`` says otherwise.

    numpy asks the kernel for huge pages for every array over 4 MB, and each fresh huge page is
    zeroed (and perhaps compacted for) again: on the 1M-row benchmark that doubled the kernel time
    of the whole run (sys 7.6-9.9 s with, 3.7-4.2 s without, on the 2-vCPU microVM). Returns whether
    the setting was changed.
    """
    if "NUMPY_MADVISE_HUGEPAGE" in os.environ:  # the user's explicit choice stands
        return False
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # another numpy layout: leave it as it is
        return False
    _set_madvise_hugepage(False)
    return True


def hand_back() -> None:
    """Give the memory freed by a finished stage back to the system: the pages pyarrow's allocator
    keeps for reuse, and the free memory at the top of glibc's heaps (``malloc_trim``)."""
    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    if sys.platform == "linux":
        try:
            import ctypes

            ctypes.CDLL(None).malloc_trim(0)
        except (OSError, AttributeError):
            pass
