"""The command line's own process settings (runtime.tune_memory)."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import sys
from click.testing import CliRunner
from numpy._core.multiarray import _set_madvise_hugepage
from dbhygiene.cli import cli
before = _set_madvise_hugepage(True)  # numpy's own default at import: huge pages on
result = CliRunner().invoke(cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
assert result.exit_code == 0, result.output
print(_set_madvise_hugepage(True))  # the state the check left
"""


@pytest.mark.parametrize("env, expected", [({}, "False"), ({"NUMPY_MADVISE_HUGEPAGE": "1"}, "True")])
def test_check_turns_numpy_huge_pages_off_unless_the_user_chose(tmp_path, env, expected):
    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\n", encoding="utf-8")
    import os

    clean = {k: v for k, v in os.environ.items() if k != "NUMPY_MADVISE_HUGEPAGE"}
    done = subprocess.run([sys.executable, "-c", PROBE, str(data)], capture_output=True, text=True, timeout=120,
                          env={**clean, **env})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


MALLOC_PROBE = """
import ctypes, sys
if len(sys.argv) > 1:  # after a check, through the command line's own process settings
    from click.testing import CliRunner
    from dbhygiene.cli import cli
    result = CliRunner().invoke(cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
    assert result.exit_code == 0, result.output
    print(result.exit_code == 0)
else:
    from dbhygiene.runtime import keep_malloc_memory
    print(keep_malloc_memory())

class Info(ctypes.Structure):
    _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                "fsmblks", "uordblks", "fordblks", "keepcost")]

libc = ctypes.CDLL(None)
libc.mallinfo2.restype = Info
libc.malloc.restype, libc.malloc.argtypes, libc.free.argtypes = ctypes.c_void_p, [ctypes.c_size_t], [ctypes.c_void_p]
for size in (24 << 20, 96 << 20):  # a 3M-element float64 array; a 12M-element one (over glibc's 32 MB cap)
    before = libc.mallinfo2()
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    during = libc.mallinfo2()
    libc.free(block)
    after = libc.mallinfo2()
    print(during.hblks - before.hblks, after.arena >= during.arena)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
@pytest.mark.parametrize("through_check", [False, True])
@pytest.mark.parametrize("env, expected", [
    ({}, ["True", "0 True", "0 True"]),  # both from the heap, and kept there once freed
    ({"MALLOC_MMAP_THRESHOLD_": "131072"}, [None, "1 True", "1 True"]),  # the user's setting: mmaps of their own
    ({"MALLOC_MMAP_MAX_": "65536"}, [None, "1 True", "1 True"]),  # glibc's default count: both mapped
])
def test_malloc_keeps_freed_memory_unless_the_user_chose(tmp_path, through_check, env, expected):
    import os

    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", MALLOC_PROBE, *([str(data)] if through_check else [])],
                          capture_output=True, text=True, timeout=120, env={**clean, **env})
    assert done.returncode == 0, done.stderr
    first, *blocks = done.stdout.split("\n")[:3]
    assert blocks == expected[1:]
    assert first == (expected[0] or ("True" if through_check else "False"))


HAND_BACK_PROBE = """
import ctypes, numpy as np, pyarrow as pa
from dbhygiene.runtime import hand_back, keep_malloc_memory

def rss():
    return int(dict(l.split(":", 1) for l in open("/proc/self/status"))["VmRSS"].split()[0]) // 1024

keep_malloc_memory()  # freed heap memory kept (up to 1 GB at the top, all of it inside the heap)
base = rss()
arrays = [np.ones(1 << 20) for _ in range(100)]  # 800 MB of 8 MB arrays, from the heap
strings = pa.array(["x" * 100] * 400_000)  # ~40 MB from pyarrow's pool
del arrays[::2], strings  # every other array: free holes inside the heap, not at its top
kept = rss()
hand_back()
print(kept - base, rss() - base)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
def test_hand_back_returns_freed_memory_to_the_system():
    """A stage's freed memory stays in the process (see keep_malloc_memory) until ``hand_back``:
    between stages the next one and the forked second process start without it."""
    done = subprocess.run([sys.executable, "-c", HAND_BACK_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    kept, after = map(int, done.stdout.split())
    assert kept > 700  # the freed half (400 MB) and the strings still counted
    assert after < kept - 350  # most of it handed back


PURGE_PROBE = """
import os, sys
import dbhygiene.cli
loaded_early = "pyarrow" in sys.modules  # mimalloc reads its settings when pyarrow loads it
from click.testing import CliRunner
result = CliRunner().invoke(dbhygiene.cli.cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
assert result.exit_code == 0, result.output
print(loaded_early, os.environ.get("MIMALLOC_PURGE_DELAY"))
"""


@pytest.mark.parametrize("env, expected", [({}, "False 0"), ({"MIMALLOC_PURGE_DELAY": "250"}, "False 250")])
def test_check_has_pyarrow_hand_freed_pages_back_at_once_unless_the_user_chose(tmp_path, env, expected):
    import os

    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MIMALLOC_")}
    done = subprocess.run([sys.executable, "-c", PURGE_PROBE, str(data)], capture_output=True, text=True,
                          timeout=120, env={**clean, **env})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


POOL_PROBE = """
import os, sys
import dbhygiene.cli
loaded_early = "pyarrow" in sys.modules  # pyarrow picks its pool when it loads
from click.testing import CliRunner
result = CliRunner().invoke(dbhygiene.cli.cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
assert result.exit_code == 0, result.output
import pyarrow as pa
print(loaded_early, os.environ.get("ARROW_DEFAULT_MEMORY_POOL"), pa.default_memory_pool().backend_name)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
@pytest.mark.parametrize("env, expected", [({}, "False system system"),
                                           ({"ARROW_DEFAULT_MEMORY_POOL": "mimalloc"}, "False mimalloc mimalloc")])
def test_check_puts_pyarrow_on_malloc_unless_the_user_chose(tmp_path, env, expected):
    """mimalloc's huge pages, zeroed again after every purge, cost most of normalise's kernel time:
    the command line's pyarrow buffers come from glibc's (tuned) malloc; the user's pool stands."""
    import os

    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run([sys.executable, "-c", POOL_PROBE, str(data)], capture_output=True, text=True,
                          timeout=120, env={**clean, **env})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


ROWS_PROBE = """
import sys
import dbhygiene.runtime as runtime
from click.testing import CliRunner
import dbhygiene.cli
runtime.MALLOC_POOL_MAX_ROWS, runtime.MALLOC_POOL_MAX_BYTES = int(sys.argv[2]), int(sys.argv[3])
result = CliRunner().invoke(dbhygiene.cli.cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
assert result.exit_code == 0, result.output
import pyarrow as pa
print(pa.default_memory_pool().backend_name)
"""


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's malloc")
@pytest.mark.parametrize("most_rows, most_bytes, expected", [
    (3, 1 << 20, "system"),  # three records, 100-odd bytes: within both limits
    (2, 1 << 20, "mimalloc"),  # over the record limit (known after reading)
    (3, 100, "mimalloc"),  # over the size limit (known before)
    (3, 1000, "system"),
])
def test_a_long_list_goes_back_to_mimalloc(tmp_path, most_rows, most_bytes, expected):
    """Columns over glibc's largest heap block cost a fault per 4 KB on malloc: a file over
    ``MALLOC_POOL_MAX_BYTES`` or a list over ``MALLOC_POOL_MAX_ROWS`` records is read or checked on
    mimalloc."""
    import os

    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\nANA GIL;20123457;1/2/1981\n"
                    "LUIS SOSA;20123458;3/4/1982\n", encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    done = subprocess.run([sys.executable, "-c", ROWS_PROBE, str(data), str(most_rows), str(most_bytes)], capture_output=True,
                          text=True, timeout=120, env=clean)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected


def test_the_row_limit_leaves_a_library_users_pool_alone():
    """``arrow_pool_for`` acts only where the command line put pyarrow on malloc."""
    done = subprocess.run([sys.executable, "-c", "import dbhygiene.runtime as r, pyarrow as pa; "
                           "before = pa.default_memory_pool().backend_name; "
                           "print(r.arrow_pool_for(10 ** 9, 10 ** 12), pa.default_memory_pool().backend_name == before)"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False True"


GC_PROBE = """
import gc, sys, weakref
from click.testing import CliRunner
from dbhygiene.cli import cli
print(gc.get_threshold()[2])  # the interpreter's own default (10; 0 where the collector is incremental)
if sys.argv[2] == "chosen":
    gc.set_threshold(700, 10, 5)
elif sys.argv[2] == "off":
    gc.disable()
result = CliRunner().invoke(cli, ["check", sys.argv[1], "--quiet", "--fail-on", "never"])
assert result.exit_code == 0, result.output
print(gc.isenabled(), gc.get_threshold()[2])
if gc.isenabled():  # a young cycle dropped is still collected without being asked
    class Node: pass
    a, b = Node(), Node()
    a.b, b.a = b, a
    gone = []
    weakref.finalize(a, gone.append, True)
    del a, b
    junk = [[] for _ in range(100_000)]  # allocations that trigger the young collections
    print(gone == [True])
"""


@pytest.mark.parametrize("state", ["default", "chosen", "off"])
def test_check_has_no_full_collections_unless_the_user_chose(tmp_path, state):
    data = tmp_path / "list.csv"
    data.write_text("nombre;dni;fecha_nacimiento\nJUAN PEREZ;20123456;14/02/1980\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", GC_PROBE, str(data), state], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    native, *after = done.stdout.split("\n")[:-1]
    if state == "off":
        expected = [f"False {native}"]
    elif state == "chosen" or native != "10":  # a user's threshold, or a collector with no oldest threshold
        expected = [f"True {5 if state == 'chosen' and native == '10' else native}", "True"]
    else:
        expected = [f"True {1 << 30}", "True"]
    assert after == expected
