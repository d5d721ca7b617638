"""Copied reports (内容雷同): prose near-identical to the body's own previous year, or to another body's report of
the same year — a failing the 2021 notice on annual reports holds bodies to account for.

A report's prose (its six sections, digits, spaces and punctuation taken out, so changed figures and a new year do
not hide a copy) is cut into character shingles of SHINGLE characters; a MinHash of NUM_PERM permutations
(datasketch) estimates the share of shingles two reports have in common (Jaccard). A pair at or above THRESHOLD
is flagged in both reports' `copies` with the other report and the share. The same report saved in two formats is
one report (same body, same year): it is never flagged as a copy of itself.

Streaming: each report is read once to keep a compact signature (a few identifiers and NUM_PERM integers), never
the reports; MinHash LSH finds the candidate pairs; each report whose flags change is then rewritten.
"""
from __future__ import annotations

import re
import zlib
from collections import defaultdict
from pathlib import Path

from .corpus_checks import body_key

SHINGLE = 5
NUM_PERM = 128
THRESHOLD = 0.8
SCHEME = "affine32"  # datasketch's hashing scheme, named so a signature is read back the way it was made
MIN_CHARS = 200  # prose shorter than this (a fragment) says too little to call a copy
MAX_FLAGS = 10  # flags kept per report, the closest first (a template copied by a hundred bodies names ten)
_NOT_WORDING = re.compile(r"[\W\d_]+", re.UNICODE)


def prose_of(report: dict) -> str:
    """The wording of a report's prose: its sections' text without digits, spaces and punctuation."""
    return _NOT_WORDING.sub("", "".join(s.get("text") or "" for s in report.get("sections", [])))


def shingles(text: str, k: int = SHINGLE) -> set[str]:
    return {text[i:i + k] for i in range(max(len(text) - k + 1, 0))}


def _crc32(data: bytes) -> int:
    """The 32-bit hash of a shingle: zlib's CRC-32 (C, ~10× faster than datasketch's default SHA-1 per shingle, and
    as good a hash for MinHash, whose permutations do the mixing)."""
    return zlib.crc32(data)


def minhash(text: str, num_perm: int = NUM_PERM):
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashfunc=_crc32)
    m.update_batch([s.encode("utf-8") for s in shingles(text)])
    return m


def same_body(a: str | None, b: str | None) -> bool:
    """One body named two ways: equal keys, or one the other's tail (洪泽区 / 淮安市洪泽区)."""
    if not a or not b:
        return False
    short, long = sorted((a, b), key=len)
    return long.endswith(short) and len(short) >= 3


def signature(report: dict) -> dict | None:
    """What copy detection keeps of a report: who and when, and the MinHash of its prose (None: too little prose)."""
    text = prose_of(report)
    if len(text) < MIN_CHARS:
        return None
    meta = report.get("meta", {})
    return {"document": report["document"], "body": meta.get("body"), "key": body_key(meta.get("body")),
            "year": meta.get("year"), "hashvalues": minhash(text).hashvalues}


def relation(a: dict, b: dict) -> str | None:
    """How two reports may be compared: `previous_year` (b is a's body's report of the year before),
    `same_year_other_body`, or None (the same report, unrelated years, or who or when unknown)."""
    if not a["year"] or not b["year"]:
        return None
    if same_body(a["key"], b["key"]):
        return "previous_year" if b["year"] == a["year"] - 1 else None
    if a["key"] and b["key"] and a["year"] == b["year"]:
        return "same_year_other_body"
    return None


def _minhash_of(sig: dict):
    from datasketch import MinHash

    return MinHash(num_perm=NUM_PERM, seed=1, hashvalues=sig["hashvalues"], scheme=SCHEME)


def similarity(a: dict, b: dict) -> float:
    """The estimated share of shingles two reports' prose has in common (Jaccard: the share of equal minima)."""
    import numpy as np

    return float(np.mean(np.asarray(a["hashvalues"]) == np.asarray(b["hashvalues"])))


def find_copies(signatures: dict[str, dict], threshold: float = THRESHOLD) -> dict[str, list[dict]]:
    """For each report (by path), the reports whose prose it shares at `threshold` or more: its own previous year,
    another body's of the same year, or (for the earlier report) the next year's that copied it. One flag per
    other report (a report saved in several formats is named once, by its best match), at most MAX_FLAGS, the
    closest first. LSH gives the candidates; their shares are computed at once on the signatures' matrix."""
    import numpy as np
    from datasketch import MinHashLSH

    paths = list(signatures)
    if len(paths) < 2:
        return {}
    row = {p: i for i, p in enumerate(paths)}
    matrix = np.stack([np.asarray(signatures[p]["hashvalues"]) for p in paths])
    lsh = MinHashLSH(threshold=threshold * 0.9, num_perm=NUM_PERM)  # candidates a little below, then measured
    for path in paths:
        lsh.insert(path, _minhash_of(signatures[path]))
    out: dict[str, list[dict]] = {}
    for path in paths:
        sig = signatures[path]
        others = [o for o in lsh.query(_minhash_of(sig)) if o != path]
        if not others:
            continue
        shares = (matrix[[row[o] for o in others]] == matrix[row[path]]).mean(axis=1)
        found: dict[tuple, dict] = {}
        for other, share in zip(others, shares.tolist()):
            if share < threshold:
                continue
            o = signatures[other]
            kind = relation(sig, o)
            if kind is None and relation(o, sig) == "previous_year":
                kind = "next_year"
            if kind is None:
                continue
            flag = {"kind": kind, "document": o["document"], "body": o["body"], "year": o["year"],
                    "similarity": round(share, 3)}
            ident = (kind, o["key"], o["year"])  # the other report, whatever format it came in
            best = found.get(ident)
            if best is None or (flag["similarity"], best["document"]) > (best["similarity"], flag["document"]):
                found[ident] = flag
        if found:
            out[path] = sorted(found.values(), key=lambda f: (-f["similarity"], f["document"]))[:MAX_FLAGS]
    return out


def flag_copies(report_paths: list[str], threshold: float = THRESHOLD) -> int:
    """Give every report of a batch its `copies` flags (none: the key is absent), rewriting only the reports whose
    flags change. Returns how many were rewritten."""
    import orjson

    signatures: dict[str, dict] = {}
    flagged_before = set()
    for p in report_paths:
        try:
            report = orjson.loads(Path(p).read_bytes())
            sig = signature(report)
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            continue
        if report.get("copies"):
            flagged_before.add(p)
        if sig is not None:
            signatures[p] = sig
        del report
    flags = find_copies(signatures, threshold)
    from .extract import dump_json, seal, write_atomic

    rewritten = 0
    for p in report_paths:
        if p not in flags and p not in flagged_before:
            continue
        try:
            report = orjson.loads(Path(p).read_bytes())
        except (OSError, orjson.JSONDecodeError):
            continue
        if not isinstance(report, dict):
            continue
        new = flags.get(p, [])
        if report.get("copies", []) == new:
            continue
        if new:
            report["copies"] = new
        else:
            report.pop("copies", None)
        seal(report)
        write_atomic(Path(p), dump_json(report, indent=1))
        rewritten += 1
    return rewritten
