"""The one result type every reporter sees."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

SEVERITIES = ("info", "warning", "error")
SEVERITY_RANK = {name: rank for rank, name in enumerate(SEVERITIES)}
# severity follows confidence: a low-confidence finding is at most a warning, so no error rests on a guess
MAX_SEVERITY_BY_CONFIDENCE = {"high": "error", "medium": "error", "low": "warning"}


def severity_for(severity: str, confidence: str) -> str:
    """The rule's severity, lowered to what the finding's confidence allows."""
    cap = MAX_SEVERITY_BY_CONFIDENCE.get(confidence, "error")
    return severity if SEVERITY_RANK[severity] <= SEVERITY_RANK[cap] else cap


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    name: str
    severity: str
    principles: tuple[int, ...]
    source: str
    row: int | None  # 1-based data record; None for file-level findings
    line: int | None  # physical line in a text source (header = 1)
    field: str | None  # canonical field, e.g. "birth_date"
    message: str  # already redacted unless --show-pii
    related_rows: tuple[int, ...] = ()
    confidence: str = "high"  # high | medium | low
    score: float | None = None  # similarity score for fuzzy findings
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict:
        data = asdict(self)
        data["principles"] = list(self.principles)
        data["related_rows"] = list(self.related_rows)
        if not self.extra:
            data.pop("extra")
        if self.score is None:
            data.pop("score")
        return data
