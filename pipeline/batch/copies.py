"""Copied reports (内容雷同): prose near-identical to the body's own previous year, or to another body's report of
the same year — a failing the 2021 notice on annual reports holds bodies to account for.

A report's prose (its six sections, digits, spaces and punctuation taken out, so changed figures and a new year do
not hide a copy) is cut into character shingles of SHINGLE characters; a MinHash of NUM_PERM permutations
(datasketch) estimates the share of shingles two reports have in common (Jaccard). A pair at or above THRESHOLD
is flagged in both reports' `copies` with the other report and the share. The same report saved in two formats is
one report (same body, same year): it is never flagged as a copy of itself.

Streaming: each report is read once to keep a compact signature (a few identifiers and NUM_PERM integers) and its
LSH bands in a SQLite file (CopyIndex), never the reports; the reports sharing a band are the candidate pairs; each
report whose flags change is then rewritten.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import orjson

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


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """The distinct 32-bit hashes of the text's k-character shingles, computed at once with numpy: a polynomial
    hash of the k code points (mod 2^64), folded to 32 bits. (Hashing each shingle in Python cost more than the rest
    of the batch's corpus-wide checks together.)"""
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = len(codes) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint32)
    h = np.zeros(n, dtype=np.uint64)
    for j in range(k):
        h = h * np.uint64(1_000_003) + codes[j:j + n]  # wraps around mod 2^64, as meant
    return np.unique(((h >> np.uint64(32)) ^ h).astype(np.uint32))


def minhash(text: str, num_perm: int = NUM_PERM):
    """datasketch's MinHash of the shingles (its permutations applied to the hashes computed above)."""
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashfunc=int)
    m.update_batch(shingle_hashes(text).tolist())
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


def similarity(a: dict, b: dict) -> float:
    """The estimated share of shingles two reports' prose has in common (Jaccard: the share of equal minima)."""
    return float(np.mean(np.asarray(a["hashvalues"]) == np.asarray(b["hashvalues"])))


def _flags_for(sig: dict, others: list[dict], threshold: float) -> list[dict]:
    """The flags of one report against its LSH candidates: the shares computed at once on their signatures; one
    flag per other report (a report saved in several formats is named once, by its best match), at most MAX_FLAGS,
    the closest first."""
    if not others:
        return []
    shares = (np.stack([np.asarray(o["hashvalues"]) for o in others]) == np.asarray(sig["hashvalues"])).mean(axis=1)
    found: dict[tuple, dict] = {}
    for o, share in zip(others, shares.tolist()):
        if share < threshold:
            continue
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
    return sorted(found.values(), key=lambda f: (-f["similarity"], f["document"]))[:MAX_FLAGS]


def _bands(threshold: float) -> tuple[int, int]:
    """datasketch's LSH banding (b bands of r rows) for candidates a little below the threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold * 0.9, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def _band_keys(hashvalues, b: int, r: int) -> list[bytes]:
    """The LSH bucket of each of the b bands of a signature (r hash values each)."""
    values = np.asarray(hashvalues, dtype=np.uint32)
    return [values[k * r:(k + 1) * r].tobytes() for k in range(b)]


def find_copies(signatures: dict[str, dict], threshold: float = THRESHOLD) -> dict[str, list[dict]]:
    """For each report (by path), the reports whose prose it shares at `threshold` or more: its own previous year,
    another body's of the same year, or (for the earlier report) the next year's that copied it. In memory, for a
    few signatures; flag_copies does the same on disk for a batch."""
    b, r = _bands(threshold)
    buckets: dict[tuple, list[str]] = {}
    for path, sig in signatures.items():
        for band, key in enumerate(_band_keys(sig["hashvalues"], b, r)):
            buckets.setdefault((band, key), []).append(path)
    out = {}
    for path, sig in signatures.items():
        candidates = dict.fromkeys(o for band, key in enumerate(_band_keys(sig["hashvalues"], b, r))
                                   for o in buckets[(band, key)] if o != path)
        flags = _flags_for(sig, [signatures[o] for o in candidates], threshold)
        if flags:
            out[path] = flags
    return out


class CopyIndex:
    """Copy detection over a batch, on disk: `add` each report as it is read (its signature and LSH bands go into
    SQLite tables of a corpus_checks.DiskIndex), then `flag` finds each report's candidates (the reports sharing one
    of its bands), measures them and rewrites the reports whose flags change."""
    SCHEMA = ("CREATE TABLE sig (n INTEGER PRIMARY KEY, path TEXT, flagged INTEGER, info BLOB, hashvalues BLOB);"
              "CREATE TABLE band (band INTEGER, bucket BLOB, n INTEGER);")

    def __init__(self, db, threshold: float = THRESHOLD):
        self.db = db
        self.threshold = threshold
        self.b, self.r = _bands(threshold)

    def add(self, n: int, path: str, report: dict) -> None:
        try:
            sig = signature(report)
        except (KeyError, TypeError, AttributeError):
            return
        info = orjson.dumps({k: v for k, v in sig.items() if k != "hashvalues"}) if sig is not None else None
        self.db.execute("INSERT INTO sig VALUES (?, ?, ?, ?, ?)", (
            n, path, int(bool(report.get("copies"))), info,
            np.asarray(sig["hashvalues"], dtype=np.uint32).tobytes() if sig is not None else None))
        if sig is not None:
            self.db.executemany("INSERT INTO band VALUES (?, ?, ?)",
                                [(k, key, n) for k, key in enumerate(_band_keys(sig["hashvalues"], self.b, self.r))])

    def flag(self) -> int:
        """Every indexed report given its `copies` flags (none: the key is absent); returns how many were
        rewritten."""
        from .extract import dump_json, seal, write_atomic

        db = self.db
        db.execute("CREATE INDEX by_bucket ON band (band, bucket)")
        db.execute("CREATE INDEX by_report ON band (n)")
        db.commit()

        def load(row):
            n, info, blob = row
            return {**orjson.loads(info), "hashvalues": np.frombuffer(blob, dtype=np.uint32)}

        rewritten = 0
        lookup = db.cursor()
        for n, p, flagged, info, blob in db.execute("SELECT n, path, flagged, info, hashvalues FROM sig ORDER BY n"):
            flags = []
            if info is not None:
                others = lookup.execute(
                    "SELECT DISTINCT s.n, s.info, s.hashvalues FROM band a JOIN band o ON o.band = a.band AND "
                    "o.bucket = a.bucket JOIN sig s ON s.n = o.n WHERE a.n = ? AND o.n != ? ORDER BY s.n",
                    (n, n)).fetchall()
                flags = _flags_for(load((n, info, blob)), [load(o) for o in others], self.threshold)
            if not flags and not flagged:
                continue
            try:
                report = orjson.loads(Path(p).read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            if not isinstance(report, dict) or report.get("copies", []) == flags:
                continue
            if flags:
                report["copies"] = flags
            else:
                report.pop("copies", None)
            seal(report)
            write_atomic(Path(p), dump_json(report, indent=1))
            rewritten += 1
        return rewritten


def flag_copies(report_paths: list[str], threshold: float = THRESHOLD) -> int:
    """Give every report of a batch its `copies` flags, on its own (corpus_checks.add_cross_year_checks indexes the
    copies in the same reading of the reports as the cross-year figures). Returns how many were rewritten."""
    from .corpus_checks import DiskIndex

    with DiskIndex(CopyIndex.SCHEMA) as index:
        copies = CopyIndex(index.db, threshold)
        for n, p in enumerate(report_paths):
            try:
                report = orjson.loads(Path(p).read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue
            copies.add(n, p, report)
        return copies.flag()
