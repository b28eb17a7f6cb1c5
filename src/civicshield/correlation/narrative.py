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
    if not text.isascii():  # no ASCII character is a combining one: nothing to fold
        text = "".join(character for character in text if not unicodedata.combining(character))
    return _NOT_WORD.sub(" ", text).strip()


def shingles(text: str, size: int) -> set[bytes]:
    return {shingle.encode() for shingle in _shingle_strings(text, size)}


def _shingle_strings(text: str, size: int) -> set[str]:
    """The text's shingles of `size` characters, before encoding (one to one: equal
    strings, equal bytes)."""
    if len(text) < size:
        return {text} if text else set()
    return {text[i:i + size] for i in range(len(text) - size + 1)}


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
def _permutations(permutations: int) -> np.ndarray:
    """The hash permutations, drawn once: drawing them is most of a MinHash's set-up."""
    from datasketch import MinHash

    return MinHash(num_perm=permutations, seed=1, scheme=SCHEME).permutations


def fingerprint(text: str, *, shingle_size: int, permutations: int) -> Fingerprint:
    from datasketch import MinHash

    normalised = normalise(text)
    minhash = MinHash(num_perm=permutations, seed=1, scheme=SCHEME,
                      permutations=_permutations(permutations))
    found = shingles(normalised, shingle_size)
    if found:
        minhash.update_batch(list(found))
    return Fingerprint(np.asarray(minhash.hashvalues, dtype=np.uint32), len(normalised),
                       hashlib.sha256(normalised.encode()).hexdigest())


# MurmurHash3's 32-bit finaliser, which datasketch applies before its affine permutations.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35),
           np.uint32(16))
_EMPTY = np.uint32(0xFFFFFFFF)  # datasketch's starting value: no shingle seen


class _ShingleDigests(dict[str, bytes]):
    """Shingle → the first 4 bytes of the SHA-1 of its UTF-8 form (datasketch's hash), filled
    on first use. A language's short shingles recur across texts: most are hashed once."""

    def __missing__(self, shingle: str) -> bytes:
        if len(self) >= 200_000:  # a long-running worker must not grow forever
            self.clear()
        digest = self[shingle] = hashlib.sha1(shingle.encode()).digest()[:4]  # noqa: S324
        return digest


_shingle_digests = _ShingleDigests()


def fingerprints(texts: list[str], *, shingle_size: int, permutations: int
                 ) -> list[Fingerprint]:
    """`fingerprint` of many texts at once, equal value for value (tested).

    An import correlates hundreds of short texts per batch; one MinHash object per text
    spends more on numpy set-up than on hashing. Here every shingle of every text is
    hashed (SHA-1, 32 bits, as datasketch does), permuted in one array operation and
    reduced per text with `minimum.reduceat`.
    """
    normalised = [normalise(text) for text in texts]
    digests: list[bytes] = []
    starts: list[int] = []
    for text in normalised:
        starts.append(len(digests))
        # The order of a text's shingles does not matter: only their minimum is kept.
        digests += map(_shingle_digests.__getitem__, _shingle_strings(text, shingle_size))
    signatures = np.full((len(texts), permutations), _EMPTY, dtype=np.uint32)
    if digests:
        hashed = np.frombuffer(b"".join(digests), dtype="<u4").astype(np.uint32)
        s1, m1, s2, m2, s3 = _FMIX32
        with np.errstate(over="ignore"):
            hashed = hashed ^ (hashed >> s1)
            hashed = hashed * m1
            hashed = hashed ^ (hashed >> s2)
            hashed = hashed * m2
            hashed = hashed ^ (hashed >> s3)
            a, b = _permutations(permutations)
            permuted = hashed.reshape(-1, 1) * a.astype(np.uint32) + b.astype(np.uint32)
        present = [i for i, start in enumerate(starts)
                   if (starts[i + 1] if i + 1 < len(starts) else len(digests)) > start]
        if present:
            reduced = np.minimum.reduceat(permuted, [starts[i] for i in present], axis=0)
            signatures[present] = reduced
    return [Fingerprint(signatures[i].copy(), len(text),
                        hashlib.sha256(text.encode()).hexdigest())
            for i, text in enumerate(normalised)]


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


def similarities(signature: np.ndarray, others: np.ndarray) -> np.ndarray:
    """`similarity` of one signature with each row of `others`, in one operation."""
    if not len(others):
        return np.zeros(0)
    return np.count_nonzero(others == signature, axis=1) / others.shape[1]


def similarity(first: np.ndarray, second: np.ndarray) -> float:
    """The estimated Jaccard similarity of the two shingle sets."""
    if len(first) != len(second) or not len(first):
        return 0.0
    return float(np.count_nonzero(first == second)) / len(first)
