"""Every rule's pass/fail examples from its YAML, run through the whole pipeline."""

import pytest

from dbhygiene.catalogue import load_catalogue
from dbhygiene.engine import CHECKS
from dbhygiene.testing import expected, iter_examples, run_example

EXAMPLES = list(iter_examples())


@pytest.mark.parametrize(("spec", "example"), EXAMPLES, ids=[f"{s.code}_{e['name']}" for s, e in EXAMPLES])
def test_rule_example(spec, example):
    assert run_example(spec, example) == expected(example)
    if example.get("messages"):  # an example may also pin the messages: [[row, code, message], ...]
        want = sorted((list(t) for t in example["messages"]), key=lambda t: (t[0] or 0, t[1], t[2]))
        assert run_example(spec, example, messages=True) == want


@pytest.mark.parametrize("spec", list(load_catalogue().values()), ids=lambda s: s.code)
def test_every_rule_has_pass_and_fail_examples(spec):
    names = [e["name"] for e in spec.examples]
    assert any(n.startswith("fail_") for n in names), f"{spec.code} has no fail_ example"
    assert any(n.startswith("pass_") for n in names), f"{spec.code} has no pass_ example"
    for example in spec.examples:
        if example["name"].startswith("pass_"):
            assert not example.get("findings"), f"{spec.code} {example['name']}: a pass example expects no finding"
        else:
            assert example.get("findings") or spec.shape == "notice", f"{spec.code} {example['name']}: no findings"


@pytest.mark.parametrize("spec", list(load_catalogue().values()), ids=lambda s: s.code)
def test_every_rule_is_implemented_and_documented(spec):
    assert spec.shape == "notice" or spec.code in CHECKS
    assert spec.principles and spec.legal_anchors and spec.rationale
