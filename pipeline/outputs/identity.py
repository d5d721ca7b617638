"""Which report files are one report, and which are fragments.

The same report is often saved in several formats (HTML and text, a Word file and its PDF, a scan and the
original). Files are one report when they name the same body (one name the other's tail: 洪泽区 / 淮安市洪泽区) and
year and either hold the same table figures (at least MIN_SHARED cells readable in both, AGREE of them equal: an
OCR'd copy may misread a few) or the same prose (MinHash share at least copies.THRESHOLD). A file without a body or
a year, or with fewer than MIN_HEADINGS of the six section headings, is a fragment (a page excerpt), counted apart.

Built from a compact entry per report (identifiers, the figures, a MinHash of the prose), so a corpus is read one
report at a time.
"""

from __future__ import annotations

from collections import defaultdict

from ..batch.copies import THRESHOLD, minhash, prose_of, same_body, similarity
from ..bodies import body_key

MIN_SHARED = 10
AGREE = 0.95
MIN_HEADINGS = 4


def entry(report: dict) -> dict:
    """What identifies a report: who, when, its figures and a MinHash of its prose."""
    meta = report["meta"]
    figures = {}
    for table, t in report["tables"].items():
        if t.get("status") == "found":
            for row, cols in t["rows"].items():
                for col, v in cols.items():
                    if v is not None:
                        figures[f"{table}.{row}.{col}"] = v
    headings = sum(1 for s in report["sections"] if s.get("heading"))
    text = prose_of(report)
    return {
        "document": report["document"],
        "body": meta.get("body"),
        "key": body_key(meta.get("body")),
        "year": meta.get("year"),
        "sha256": (report.get("provenance") or {}).get("sha256"),
        "fragment": not meta.get("body") or not meta.get("year") or headings < MIN_HEADINGS,
        "figures": figures,
        "hashvalues": minhash(text).hashvalues if len(text) >= 50 else None,
    }


def canonical_keys(keys) -> dict[str, str]:
    """Each body key mapped to the longest key naming the same body (洪泽区 → 淮安市洪泽区)."""
    ordered = sorted({k for k in keys if k}, key=lambda k: (-len(k), k))
    out = {}
    for k in ordered:
        out[k] = next(
            (
                longer
                for longer in ordered
                if len(longer) > len(k) and same_body(k, longer) and longer in out and out[longer] == longer
            ),
            k,
        )
    return out


def same_report(a: dict, b: dict) -> bool:
    if a["sha256"] and a["sha256"] == b["sha256"]:
        return True
    shared = [k for k in a["figures"] if k in b["figures"]]
    if len(shared) >= MIN_SHARED:
        return sum(a["figures"][k] == b["figures"][k] for k in shared) >= AGREE * len(shared)
    if a["hashvalues"] is not None and b["hashvalues"] is not None:
        return similarity(a, b) >= THRESHOLD
    return False


def distinct(entries: list[dict]) -> dict[str, dict]:
    """For each document: `report` (one id per distinct report, `fragment:<document>` for a fragment),
    `body_key` (canonical) and `fragment`."""
    canon = canonical_keys(e["key"] for e in entries)
    groups: dict[tuple, list[dict]] = defaultdict(list)
    out = {}
    for e in entries:
        key = canon.get(e["key"]) if e["key"] else None
        if e["fragment"]:
            out[e["document"]] = {"report": f"fragment:{e['document']}", "body_key": key, "fragment": True}
        else:
            groups[(key, e["year"])].append(e)
    for (key, year), members in groups.items():
        members.sort(key=lambda e: e["document"])
        parent = list(range(len(members)))

        def find(i):
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i in range(len(members)):
            for j in range(i + 1, len(members)):
                if find(i) != find(j) and same_report(members[i], members[j]):
                    parent[find(j)] = find(i)
        roots = sorted({find(i) for i in range(len(members))})
        for i, e in enumerate(members):
            n = roots.index(find(i))
            out[e["document"]] = {
                "report": f"{key}|{year}" + (f"|{n + 1}" if n else ""),
                "body_key": key,
                "fragment": False,
            }
    return out


def representatives(entries: list[dict], idents: dict[str, dict]) -> dict[str, str]:
    """For each distinct report (and each fragment), the one file shown and counted for it: the one with the most
    cells read, then the first by name (a scan's OCR may leave cells unreadable that its PDF prints)."""
    best: dict[str, str] = {}
    for e in sorted(entries, key=lambda e: (-len(e["figures"]), e["document"])):
        ident = idents.get(e["document"])
        if ident is not None:
            best.setdefault(ident["report"], e["document"])
    return best
