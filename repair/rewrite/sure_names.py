"""Names the resolver is sure of: a flagged name span whose top candidate is strong,
unambiguous and written by clean news becomes that candidate, as a deterministic repair
(type ``name``; the proposal is low-confidence so the reviewer looks)."""

from __future__ import annotations

from repair.aliases import AliasMatch
from repair.detect import Detection

__all__ = ["NAME_MIN_SCORE", "NAME_MAX_RUNNER_UP", "name_fixes"]

NAME_MIN_SCORE = 0.99  # a name candidate is taken at this resolver score or above ...
NAME_MAX_RUNNER_UP = 0.5  # ... when the next candidate scores at most this, and clean news
# writes it (``known``): measured, it never fires on the 2,000 clean sentences of
# repair.eval.harm


def name_fixes(det: Detection) -> list[AliasMatch]:
    """Name spans whose resolver evidence is strong and unambiguous: the pinyin rendering
    becomes the one candidate clean news writes (type ``name``, the evidence attached)."""
    out: list[AliasMatch] = []
    if not det.flagged:
        return out
    text = det.segment.text
    for sp in det.spans:
        cands = list(sp.candidates or ())
        if not cands:
            continue
        top, rest = cands[0], cands[1:]
        core = str(top.get("rendering") or "")
        if (not core or not top.get("known") or float(top.get("score", 0)) < NAME_MIN_SCORE
                or any(float(c.get("score", 0)) > NAME_MAX_RUNNER_UP for c in rest)):
            continue
        a = text.find(core, sp.start, sp.end)
        if a < 0 or core == top["name"]:
            continue
        evidence = "; ".join(str(e) for e in top.get("evidence", ()))
        out.append(AliasMatch(a, a + len(core), core, str(top["name"]), "name",
                              f"resolver score {top['score']}: {evidence}"))
    return out
