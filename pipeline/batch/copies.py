"""Copied reports (内容雷同): prose near-identical to the body's own previous year, or to another body's report of
the same year — a failing the 2021 notice on annual reports holds bodies to account for.

A report's prose (its six sections, digits, spaces and punctuation taken out, so changed figures and a new year do
not hide a copy) is cut into character shingles of SHINGLE characters; a MinHash of NUM_PERM permutations
(datasketch) estimates the share of shingles two reports have in common (Jaccard). A pair at or above THRESHOLD
is flagged in both reports' `copies` with the other report and the share. The same report saved in two formats is
one report (same body, same year): it is never flagged as a copy of itself.

Streaming: each report gives a compact entry (copy_entry: a few identifiers, NUM_PERM integers and its LSH bands),
made where the report was written, and kept in a SQLite file (CopyIndex), never the reports; the reports sharing a
band are the candidate pairs; each report whose flags change is then rewritten (corpus_checks.py).
"""

from __future__ import annotations

import functools
import re

import numpy as np
import orjson

from ..bodies import body_key

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
        h = h * np.uint64(1_000_003) + codes[j : j + n]  # wraps around mod 2^64, as meant
    return np.unique(((h >> np.uint64(32)) ^ h).astype(np.uint32))


@functools.lru_cache(maxsize=4)
def _permutations(num_perm: int):
    """datasketch's permutations for `num_perm` and seed 1, drawn once a process: a MinHash draws them afresh each
    time it is made (two thirds of a report's MinHash time), the same numbers every time."""
    from datasketch import MinHash

    permutations = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashfunc=int).permutations
    permutations.setflags(write=False)  # shared by every MinHash of the process
    return permutations


def minhash(text: str, num_perm: int = NUM_PERM):
    """datasketch's MinHash of the shingles (its permutations applied to the hashes computed above)."""
    from datasketch import MinHash

    m = MinHash(num_perm=num_perm, seed=1, scheme=SCHEME, hashfunc=int, permutations=_permutations(num_perm))
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
    return {
        "document": report["document"],
        "body": meta.get("body"),
        "key": body_key(meta.get("body")),
        "year": meta.get("year"),
        "hashvalues": minhash(text).hashvalues,
    }


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
        flag = {
            "kind": kind,
            "document": o["document"],
            "body": o["body"],
            "year": o["year"],
            "similarity": round(share, 3),
        }
        ident = (kind, o["key"], o["year"])  # the other report, whatever format it came in
        best = found.get(ident)
        if best is None or (flag["similarity"], best["document"]) > (best["similarity"], flag["document"]):
            found[ident] = flag
    return sorted(found.values(), key=lambda f: (-f["similarity"], f["document"]))[:MAX_FLAGS]


@functools.lru_cache(maxsize=None)
def lsh_bands(threshold: float) -> tuple[int, int]:
    """datasketch's LSH banding (b bands of r rows) for candidates a little below the threshold."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold * 0.9, num_perm=NUM_PERM)
    return lsh.b, lsh.r


def _band_keys(hashvalues, b: int, r: int) -> list[bytes]:
    """The LSH bucket of each of the b bands of a signature (r hash values each)."""
    values = np.asarray(hashvalues, dtype=np.uint32)
    return [values[k * r : (k + 1) * r].tobytes() for k in range(b)]


def find_copies(signatures: dict[str, dict], threshold: float = THRESHOLD) -> dict[str, list[dict]]:
    """For each report (by path), the reports whose prose it shares at `threshold` or more: its own previous year,
    another body's of the same year, or (for the earlier report) the next year's that copied it. In memory, for a
    few signatures; CopyIndex does the same on disk for a batch."""
    b, r = lsh_bands(threshold)
    buckets: dict[tuple, list[str]] = {}
    for path, sig in signatures.items():
        for band, key in enumerate(_band_keys(sig["hashvalues"], b, r)):
            buckets.setdefault((band, key), []).append(path)
    out = {}
    for path, sig in signatures.items():
        candidates = dict.fromkeys(
            o for band, key in enumerate(_band_keys(sig["hashvalues"], b, r)) for o in buckets[(band, key)] if o != path
        )
        flags = _flags_for(sig, [signatures[o] for o in candidates], threshold)
        if flags:
            out[path] = flags
    return out


def copy_entry(report: dict) -> dict | None:
    """What copy detection indexes of a report, made where the report is (the task that wrote it): whether it
    carries flags now and those flags, who and when (`info`), its signature and its LSH band keys; None when the
    report cannot be read so (no row at all), `info` None when its prose is too short to compare."""
    try:
        sig = signature(report)
    except (KeyError, TypeError, AttributeError):
        return None
    entry = {"copies": report.get("copies", []), "info": None, "hashvalues": None, "bands": []}
    if sig is not None:
        b, r = lsh_bands(THRESHOLD)
        entry.update(
            info=orjson.dumps({k: v for k, v in sig.items() if k != "hashvalues"}),
            hashvalues=np.asarray(sig["hashvalues"], dtype=np.uint32).tobytes(),
            bands=_band_keys(sig["hashvalues"], b, r),
        )
    return entry


class CopyIndex:
    """Copy detection over a batch, on disk: `add` each report's copy_entry (its signature and LSH bands go into
    SQLite tables of a corpus_checks.DiskIndex), then `flags` finds each report's candidates (the reports sharing
    one of its bands), measures them and says which reports' flags change."""

    SCHEMA = (
        "CREATE TABLE sig (n INTEGER PRIMARY KEY, name TEXT, copies BLOB, info BLOB, hashvalues BLOB);"
        "CREATE TABLE band (band INTEGER, bucket BLOB, n INTEGER);"
    )

    def __init__(self, db, threshold: float = THRESHOLD):
        self.db = db
        self.threshold = threshold
        self.b, self.r = lsh_bands(threshold)

    def add(self, n: int, name: str, entry: dict | None) -> None:
        if entry is None:
            return
        self.db.execute(
            "INSERT INTO sig VALUES (?, ?, ?, ?, ?)",
            (n, name, orjson.dumps(entry["copies"]), entry["info"], entry["hashvalues"]),
        )
        if entry["info"] is not None:
            self.db.executemany(
                "INSERT INTO band VALUES (?, ?, ?)", [(k, key, n) for k, key in enumerate(entry["bands"])]
            )

    def flags(self):
        """(n, name, flags) of every indexed report whose `copies` flags change (none: the key goes), in order."""
        db = self.db
        db.execute("CREATE INDEX by_bucket ON band (band, bucket)")
        db.execute("CREATE INDEX by_report ON band (n)")
        db.commit()

        def load(row):
            n, info, blob = row
            return {**orjson.loads(info), "hashvalues": np.frombuffer(blob, dtype=np.uint32)}

        lookup = db.cursor()
        for n, name, copies, info, blob in db.execute("SELECT n, name, copies, info, hashvalues FROM sig ORDER BY n"):
            flags = []
            if info is not None:
                others = lookup.execute(
                    "SELECT DISTINCT s.n, s.info, s.hashvalues FROM band a JOIN band o ON o.band = a.band AND "
                    "o.bucket = a.bucket JOIN sig s ON s.n = o.n WHERE a.n = ? AND o.n != ? ORDER BY s.n",
                    (n, n),
                ).fetchall()
                flags = _flags_for(load((n, info, blob)), [load(o) for o in others], self.threshold)
            if flags != orjson.loads(copies):
                yield n, name, flags
