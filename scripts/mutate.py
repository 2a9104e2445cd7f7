#!/usr/bin/env python3
"""A small, self-contained mutation tester (mutmut does not install here; this needs only the stdlib).

For one module and a selection of tests: every mutation point of the module (or of the functions
named with --function) is enumerated from its AST; each mutant — one small deliberate bug at a time —
is written into a private copy of ``src/`` and ``rules/`` in a temporary directory, and the selected
tests run against that copy (PYTHONPATH) with a timeout. A mutant the tests fail on (or time out on)
is *killed*; one they pass on *survived*: either a gap in the tests or an equivalent mutant. The
repository's own files are never written.

Mutations: comparison operators (< <= > >= == != in is: boundary shift and negation), and/or swapped,
& and | swapped or one side of the mask dropped (``a & mask`` -> ``a``), ~ and not dropped, + and -
swapped, integer constants 0 <-> 1 and n -> n+1, True <-> False, if/while/ternary conditions negated.

    /work/venv/bin/python scripts/mutate.py src/dbhygiene/checks/minors.py -- tests/test_minors.py
    /work/venv/bin/python scripts/mutate.py src/dbhygiene/checks/identity.py --function name_commonness \
        --function one_person_several_ids --sample 60 --jobs 2 --json out.json -- tests/test_identity.py -k ID04

Everything after ``--`` is passed to pytest (files, ``-k`` expressions...).

Exit status 0 when the run completed (whatever the score), 2 on bad arguments or when the unmutated
code already fails the selected tests. Tests that start the installed ``dbhygiene`` in a subprocess
do not see the mutant (they run the installed code): prefer in-process tests for the selection.
"""

from __future__ import annotations

import argparse
import ast
import copy
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_COMPARE = {
    ast.Lt: (ast.LtE, ast.GtE), ast.LtE: (ast.Lt, ast.Gt), ast.Gt: (ast.GtE, ast.LtE), ast.GtE: (ast.Gt, ast.Lt),
    ast.Eq: (ast.NotEq,), ast.NotEq: (ast.Eq,), ast.In: (ast.NotIn,), ast.NotIn: (ast.In,),
    ast.Is: (ast.IsNot,), ast.IsNot: (ast.Is,),
}
_SYMBOL = {ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=", ast.In: "in",
           ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not", ast.BitAnd: "&", ast.BitOr: "|",
           ast.Add: "+", ast.Sub: "-", ast.And: "and", ast.Or: "or"}
_BINOP_SWAP = {ast.BitAnd: ast.BitOr, ast.BitOr: ast.BitAnd, ast.Add: ast.Sub, ast.Sub: ast.Add}


@dataclass
class Mutant:
    index: int
    line: int
    what: str
    status: str = "not run"
    seconds: float = 0.0


class _Mutator(ast.NodeTransformer):
    """Walks the tree in a fixed order, numbering every variant of every mutation point; with
    ``target`` set, returns the tree with that one variant applied."""

    def __init__(self, target: int = -1, functions: frozenset[str] = frozenset(),
                 lines: tuple[int, int] | None = None):
        self.target, self.functions, self.lines = target, functions, lines
        self.found: list[Mutant] = []
        self._in_function: list[str] = []
        self._skip = 0

    # ------------------------------------------------------------------ scope
    def _wanted(self, node) -> bool:
        if self._skip:
            return False
        if self.functions and not (set(self._in_function) & self.functions):
            return False
        line = getattr(node, "lineno", 0)
        return not self.lines or self.lines[0] <= line <= self.lines[1]

    def _offer(self, node, what: str, build):
        """Count one variant; return the mutated node when it is the target, else None."""
        index = len(self.found)
        self.found.append(Mutant(index, getattr(node, "lineno", 0), what))
        return build() if index == self.target else None

    def visit_FunctionDef(self, node):
        self._in_function.append(node.name)
        node.decorator_list = node.decorator_list  # decorators (@implements("ID03")) are not mutated
        node.body = [self.visit(stmt) for stmt in node.body]
        self._in_function.pop()
        return node

    visit_AsyncFunctionDef = visit_FunctionDef

    def _not_mutated(self, node):
        self._skip += 1
        self.generic_visit(node)
        self._skip -= 1
        return node

    visit_JoinedStr = _not_mutated  # f-strings
    visit_ImportFrom = _not_mutated

    def visit_arg(self, node):  # annotations
        return node

    def visit_AnnAssign(self, node):
        node.target = self.visit(node.target)
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def visit_Expr(self, node):
        if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
            return node  # docstrings
        return self.generic_visit(node)

    # ------------------------------------------------------------------ operators
    def visit_Compare(self, node):
        if self._wanted(node):
            for i, op in enumerate(node.ops):
                for new in _COMPARE.get(type(op), ()):
                    def build(i=i, new=new):
                        out = copy.deepcopy(node)
                        out.ops[i] = new()
                        return out
                    hit = self._offer(node, f"`{_SYMBOL[type(op)]}` -> `{_SYMBOL[new]}`", build)
                    if hit is not None:
                        return hit
        return self.generic_visit(node)

    def visit_BoolOp(self, node):
        if self._wanted(node):
            new = ast.Or if isinstance(node.op, ast.And) else ast.And
            hit = self._offer(node, f"`{_SYMBOL[type(node.op)]}` -> `{_SYMBOL[new]}`",
                              lambda: ast.BoolOp(op=new(), values=copy.deepcopy(node.values)))
            if hit is not None:
                return hit
        return self.generic_visit(node)

    def visit_BinOp(self, node):
        if self._wanted(node) and type(node.op) in _BINOP_SWAP:
            op = type(node.op)
            new = _BINOP_SWAP[op]
            hit = self._offer(node, f"`{_SYMBOL[op]}` -> `{_SYMBOL[new]}`",
                              lambda: ast.BinOp(left=copy.deepcopy(node.left), op=new(), right=copy.deepcopy(node.right)))
            if hit is not None:
                return hit
            if op in (ast.BitAnd, ast.BitOr):
                hit = self._offer(node, f"drop the right side of `{_SYMBOL[op]}`", lambda: copy.deepcopy(node.left))
                if hit is not None:
                    return hit
                hit = self._offer(node, f"drop the left side of `{_SYMBOL[op]}`", lambda: copy.deepcopy(node.right))
                if hit is not None:
                    return hit
        return self.generic_visit(node)

    def visit_AugAssign(self, node):
        if self._wanted(node) and type(node.op) in (ast.BitAnd, ast.BitOr):
            new = _BINOP_SWAP[type(node.op)]
            hit = self._offer(node, f"`{_SYMBOL[type(node.op)]}=` -> `{_SYMBOL[new]}=`",
                              lambda: ast.AugAssign(target=copy.deepcopy(node.target), op=new(),
                                                    value=copy.deepcopy(node.value)))
            if hit is not None:
                return hit
        return self.generic_visit(node)

    def visit_UnaryOp(self, node):
        if self._wanted(node) and isinstance(node.op, (ast.Invert, ast.Not)):
            sym = "~" if isinstance(node.op, ast.Invert) else "not"
            hit = self._offer(node, f"drop `{sym}`", lambda: copy.deepcopy(node.operand))
            if hit is not None:
                return hit
        return self.generic_visit(node)

    def visit_Constant(self, node):
        if not self._wanted(node) or isinstance(node.value, str) or node.value is None:
            return node
        if isinstance(node.value, bool):
            return self._offer(node, f"`{node.value}` -> `{not node.value}`",
                               lambda: ast.Constant(not node.value)) or node
        if isinstance(node.value, int):
            new = {0: 1, 1: 0}.get(node.value, node.value + 1)
            return self._offer(node, f"`{node.value}` -> `{new}`", lambda: ast.Constant(new)) or node
        return node

    def _negate_test(self, node):
        if self._wanted(node.test):
            hit = self._offer(node.test, "negate the condition",
                              lambda: ast.UnaryOp(op=ast.Not(), operand=copy.deepcopy(node.test)))
            if hit is not None:
                node.test = hit
                return node
        return self.generic_visit(node)

    visit_If = visit_While = visit_IfExp = _negate_test


def enumerate_mutants(source: str, functions, lines) -> list[Mutant]:
    finder = _Mutator(functions=frozenset(functions), lines=lines)
    finder.visit(ast.parse(source))
    return finder.found


def mutant_source(source: str, index: int, functions, lines) -> str:
    tree = _Mutator(target=index, functions=frozenset(functions), lines=lines).visit(ast.parse(source))
    return ast.unparse(ast.fix_missing_locations(tree))


def _copy_tree(dest: Path) -> None:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "src", dest / "src", ignore=ignore)
    shutil.copytree(ROOT / "rules", dest / "rules", ignore=ignore)


def _run_tests(src: Path, tests: list[str], timeout: float) -> tuple[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src), PYTHONDONTWRITEBYTECODE="1")
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *tests]
    start = time.monotonic()
    try:
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.monotonic() - start
    # 1: a test failed; 2: the mutant broke collection (an import error): killed either way
    status = {0: "survived", 1: "killed", 2: "killed"}.get(done.returncode, f"error {done.returncode}")
    return status, time.monotonic() - start


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("module", help="the module to mutate, e.g. src/dbhygiene/checks/minors.py")
    ap.add_argument("--function", action="append", default=[], help="only mutate inside this function (repeatable)")
    ap.add_argument("--lines", help="only mutate lines A-B")
    ap.add_argument("--sample", type=int, help="run a random sample of this many mutants (seeded)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="run only these mutants (comma-separated indexes, e.g. the survivors of a "
                                   "previous --json run: adding tests cannot revive a killed mutant)")
    ap.add_argument("--timeout", type=float, default=0, help="seconds per run (default: 3x the clean run + 10)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--list", action="store_true", help="list the mutants and stop")
    ap.add_argument("--json", help="write the results here")
    argv = list(sys.argv[1:] if argv is None else argv)
    if "--" not in argv:
        ap.error("give the tests to run after --, e.g. -- tests/test_minors.py")
    cut = argv.index("--")
    args = ap.parse_args(argv[:cut])
    args.tests = argv[cut + 1:]
    if not args.tests:
        ap.error("no tests after --")

    module = (Path.cwd() / args.module).resolve()
    try:
        relative = module.relative_to(ROOT / "src")
    except ValueError:
        print(f"mutate: error: {args.module} is not under {ROOT / 'src'}", file=sys.stderr)
        return 2
    if not module.is_file():
        print(f"mutate: error: {args.module}: no such file", file=sys.stderr)
        return 2
    lines = tuple(int(x) for x in args.lines.split("-")) if args.lines else None
    original = module.read_text(encoding="utf-8")
    mutants = enumerate_mutants(original, args.function, lines)
    if args.sample and args.sample < len(mutants):
        mutants = sorted(random.Random(args.seed).sample(mutants, args.sample), key=lambda m: m.index)
    if args.only:
        wanted = {int(x.strip().lstrip("Mm")) for x in args.only.split(",") if x.strip()}
        mutants = [m for m in mutants if m.index in wanted]
    if args.list:
        for m in mutants:
            print(f"M{m.index:04d} line {m.line:4d}  {m.what}")
        return 0

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # a terminated run still removes its copies
    work = Path(tempfile.mkdtemp(prefix="mutate-"))
    try:
        workers = [work / f"w{i}" for i in range(max(1, args.jobs))]
        for w in workers:
            _copy_tree(w)
        status, clean = _run_tests(workers[0] / "src", args.tests, timeout=3600)
        if status != "survived":
            print(f"mutate: error: the selected tests do not pass on the unmutated code ({status})", file=sys.stderr)
            return 2
        timeout = args.timeout or clean * 3 + 10
        print(f"{relative}: {len(mutants)} mutant(s); clean run {clean:.1f}s, timeout {timeout:.0f}s", flush=True)

        free = list(workers)

        def run(m: Mutant) -> Mutant:
            w = free.pop()
            try:
                target = w / "src" / relative
                target.write_text(mutant_source(original, m.index, args.function, lines), encoding="utf-8")
                try:
                    m.status, m.seconds = _run_tests(w / "src", args.tests, timeout)
                finally:
                    target.write_text(original, encoding="utf-8")
            finally:
                free.append(w)
            print(f"M{m.index:04d} line {m.line:4d}  {m.what:40s} {m.status.upper()} ({m.seconds:.1f}s)", flush=True)
            return m

        with ThreadPoolExecutor(max_workers=len(workers)) as pool:
            results = list(pool.map(run, mutants))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    assert module.read_text(encoding="utf-8") == original  # never written; checked all the same

    killed = sum(m.status in ("killed", "timeout") for m in results)
    survived = [m for m in results if m.status == "survived"]
    errors = [m for m in results if m.status.startswith("error")]
    scored = killed + len(survived)
    score = killed / scored if scored else 1.0
    print(f"\n{relative}: killed {killed}, survived {len(survived)}, errors {len(errors)}; "
          f"score {score:.0%} ({killed}/{scored})")
    for m in survived:
        print(f"  survived M{m.index:04d} line {m.line}: {m.what}")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "module": str(relative), "tests": args.tests, "functions": args.function, "sample": args.sample,
            "seed": args.seed, "killed": killed, "survived": len(survived), "errors": len(errors), "score": score,
            "mutants": [asdict(m) for m in results]}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
