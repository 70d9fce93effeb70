"""Vectorised samplers shared by the random connectors (NumPy, at build time).

`sample_rows` draws, for every row `i`, `counts[i]` columns uniformly: distinct (a
uniform `counts[i]`-subset) or with replacement. Rows are processed in blocks whose
(row, column) keys fit `uint32`, so that the sort that orders and de-duplicates them is
the fast SIMD sort of NumPy, on data that fits in cache. Distinct columns are drawn with
replacement and topped up until each row has enough: the first `k` distinct values of an
i.i.d. uniform sequence form a uniform `k`-subset, by symmetry.
"""

import numpy as np

from ._data import aligned_empty, handed_over

_BLOCK = 1 << 20  # entries per block
_U32 = (1 << 32) - 1


def _blocks(indptr: np.ndarray, max_rows: int):
    n_rows, start = indptr.size - 1, 0
    while start < n_rows:
        stop = int(np.searchsorted(indptr, indptr[start] + _BLOCK, "right")) - 1
        stop = min(n_rows, start + max_rows, max(stop, start + 1))
        yield start, stop
        start = stop


def _dedupe(keys, counts, rng, space, dtype):
    """Replace repeated keys by fresh draws in the same row until none repeat."""
    while True:
        dup = np.flatnonzero(keys[1:] == keys[:-1]) + 1
        if dup.size == 0:
            return keys
        ptr = np.concatenate([[0], np.cumsum(counts)])
        lost = np.bincount(np.searchsorted(ptr, dup, "right") - 1, minlength=counts.size)
        keys = np.delete(keys, dup)
        extra = np.repeat(np.arange(counts.size, dtype=dtype) * dtype(space), lost)
        extra += rng.integers(0, space, size=extra.size, dtype=dtype)
        extra.sort()
        keys = np.insert(keys, np.searchsorted(keys, extra), extra)


def _sparse_rows(rng, counts, space, distinct, out, indptr):
    dtype = np.uint32 if space <= _U32 else np.uint64
    max_rows = max(1, _U32 // space) if dtype is np.uint32 else counts.size
    for start, stop in _blocks(indptr, max_rows):
        c = counts[start:stop]
        base = np.repeat(np.arange(stop - start, dtype=dtype) * dtype(space), c)
        keys = base + rng.integers(0, space, size=base.size, dtype=dtype)
        keys.sort()
        if distinct:
            keys = _dedupe(keys, c, rng, space, dtype)
        np.subtract(keys, base, out=out[indptr[start] : indptr[stop]], casting="unsafe")


def _complement_rows(rng, counts, space, out, indptr):
    """Rows that take more than half of the columns: draw the columns they leave out."""
    max_rows = max(1, (1 << 24) // space)
    for start in range(0, counts.size, max_rows):
        stop = min(counts.size, start + max_rows)
        left = space - counts[start:stop]
        lptr = np.concatenate([[0], np.cumsum(left)])
        skip = np.empty(int(lptr[-1]), np.int64)
        _sparse_rows(rng, left, space, True, skip, lptr)
        keep = np.ones((stop - start, space), bool)
        keep[np.repeat(np.arange(stop - start), left), skip] = False
        out[indptr[start] : indptr[stop]] = np.nonzero(keep)[1]


def sample_rows(
    rng: np.random.Generator,
    counts: np.ndarray,
    n_cols: int,
    *,
    distinct: bool,
    skip_diagonal: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """CSR `(indptr, cols)` with `counts[i]` uniform columns in row `i`, sorted per row.

    With `skip_diagonal`, row `i` draws from the `n_cols - 1` columns other than `i`:
    columns are drawn from `[0, n_cols - 1)` and those `>= i` shifted up by one, which
    keeps rows sorted.
    """
    counts = np.asarray(counts, np.int64)
    space = n_cols - 1 if skip_diagonal else n_cols
    indptr = np.zeros(counts.size + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    cols = aligned_empty(int(indptr[-1]), np.int32)
    if cols.size:
        if distinct and 2 * counts.max() > space:
            _complement_rows(rng, counts, space, cols, indptr)
        else:
            _sparse_rows(rng, counts, space, distinct, cols, indptr)
    if skip_diagonal:
        rows = np.repeat(np.arange(counts.size, dtype=cols.dtype), counts)
        cols += cols >= rows
    return indptr, handed_over(cols)


def sample_distinct(rng: np.random.Generator, count: int, space: int) -> np.ndarray:
    """`count` distinct integers drawn uniformly from `[0, space)`, sorted (int64)."""
    out = np.empty(count, np.int64)
    if count:
        _sparse_rows(rng, np.array([count]), space, True, out, np.array([0, count]))
    return out


def bernoulli_rows(
    rng: np.random.Generator, n_rows: int, n_cols: int, prob, skip_diagonal: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """CSR `(indptr, cols)` with each entry present independently with probability `prob`
    (a scalar, or a function `prob(start, stop)` giving the `(stop - start, n_cols)`
    probabilities of a block of rows), by one uniform draw per entry."""
    max_rows = max(1, (1 << 22) // n_cols)
    counts, cols = np.zeros(n_rows, np.int64), []
    for start in range(0, n_rows, max_rows):
        stop = min(n_rows, start + max_rows)
        p = prob(start, stop) if callable(prob) else prob
        hit = rng.random((stop - start, n_cols)) < p
        if skip_diagonal:
            i = np.arange(start, min(stop, n_cols))
            hit[i - start, i] = False
        r, c = np.nonzero(hit)
        counts[start:stop] = np.bincount(r, minlength=stop - start)
        cols.append(c.astype(np.int32))
    indptr = np.zeros(n_rows + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    out = aligned_empty(int(indptr[-1]), np.int32)
    np.concatenate(cols, out=out)
    return indptr, handed_over(out)
