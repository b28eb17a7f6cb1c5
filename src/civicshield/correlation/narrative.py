"""Near-identical narratives: MinHash over character shingles of normalised text, with LSH
bands as postings (datasketch computes the signatures and the band layout).

Character shingles rather than words, so that copy-pasta with changed punctuation, spacing
or case, and slogans re-typed with small edits, still compare close.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from dataclasses import dataclass

import numpy as np

# Stored signatures must stay comparable: the scheme is pinned, not left to the default.
SCHEME = "affine32"
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_DEFANGED = re.compile(r"\[\.\]|\(\.\)|\[dot\]|hxxp", re.IGNORECASE)


def _refang(match: re.Match[str]) -> str:
    return "http" if match.group(0).lower() == "hxxp" else "."


def normalise(text: str) -> str:
    """Lower case, refanged, accents folded, punctuation and spacing reduced to one space."""
    # A simple refang is enough here: punctuation is dropped below anyway.
    text = _DEFANGED.sub(_refang, text or "")
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(character for character in text if not unicodedata.combining(character))
    return _NOT_WORD.sub(" ", text).strip()


def shingles(text: str, size: int) -> set[bytes]:
    if len(text) < size:
        return {text.encode()} if text else set()
    return {text[i:i + size].encode() for i in range(len(text) - size + 1)}


@dataclass(frozen=True)
class Fingerprint:
    signature: np.ndarray  # uint32, one value per permutation
    characters: int
    digest: str

    def to_bytes(self) -> bytes:
        return self.signature.astype("<u4").tobytes()


def signature_from_bytes(data: bytes) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype="<u4")


@functools.cache
def _permutations(permutations: int) -> object:
    """The hash permutations, drawn once: drawing them is most of a MinHash's set-up."""
    from datasketch import MinHash

    return MinHash(num_perm=permutations, seed=1, scheme=SCHEME).permutations


def fingerprint(text: str, *, shingle_size: int, permutations: int) -> Fingerprint:
    from datasketch import MinHash

    normalised = normalise(text)
    minhash = MinHash(num_perm=permutations, seed=1, scheme=SCHEME,
                      permutations=_permutations(permutations))  # type: ignore[arg-type]
    found = shingles(normalised, shingle_size)
    if found:
        minhash.update_batch(list(found))
    return Fingerprint(np.asarray(minhash.hashvalues, dtype=np.uint32), len(normalised),
                       hashlib.sha256(normalised.encode()).hexdigest())


@functools.cache
def band_layout(threshold: float, permutations: int) -> tuple[int, int]:
    """(bands, rows per band) minimising false positives and negatives at `threshold`, as
    datasketch's MinHashLSH chooses them."""
    from datasketch import MinHashLSH

    lsh = MinHashLSH(threshold=threshold, num_perm=permutations)
    return lsh.b, lsh.r


def band_keys(signature: np.ndarray, *, threshold: float) -> list[int]:
    """One signed 64-bit key per band: equal keys mean an equal band of the signature."""
    bands, rows = band_layout(threshold, len(signature))
    data = signature.astype("<u4")
    keys = []
    for band in range(bands):
        digest = hashlib.blake2b(band.to_bytes(2, "little") + data[band * rows:(band + 1) * rows]
                                 .tobytes(), digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The estimated Jaccard similarity of the two shingle sets."""
    if len(first) != len(second) or not len(first):
        return 0.0
    return float(np.count_nonzero(first == second)) / len(first)
