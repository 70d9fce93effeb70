"""Random connectivity: fixed probability, fixed in-degree, fixed out-degree, fixed total."""

import equinox as eqx
import numpy as np

from .._custom_types import PRNGKeyArray
from ._base import (
    AbstractConnector,
    check_bool,
    check_budget,
    check_num,
    check_prob,
    check_sizes,
    numpy_rng,
    resolve_num,
)
from ._csr import CSR
from ._data import aligned_empty, handed_over
from ._sampling import bernoulli_rows, sample_distinct, sample_rows

# Above this probability one uniform draw per pair is cheaper than sampling columns.
_DENSE_PROB = 0.25
# NumPy's multivariate hypergeometric needs fewer pairs than this.
_HYPERGEOMETRIC_MAX = 10**9
# Peak host memory per synapse while generating (the int32 index it ends up as and the
# generators' temporaries), measured with tracemalloc at 16 million synapses, rounded up.
_BYTES_SAMPLED = 6  # sample_rows: the int32 indices, then per-block temporaries
_BYTES_BERNOULLI = 12  # bernoulli_rows: each block's indices, then their concatenation
_BYTES_TRANSPOSED = 48  # FixedPreNum: sampled by column, then sorted into rows
_BYTES_FLAT_PAIRS = 28  # FixedTotalNum over >= 1e9 pairs: int64 flat indices and divmod


def _transpose(indptr_t, rows, n_pre: int, n_post: int) -> CSR:
    """The CSR of a connectivity given column by column (`rows` of each post neuron).

    Columns are taken in blocks narrow enough for `uint32` (pre, post) keys; each block is
    sorted by pre, and its entries are written after those of the earlier blocks in each
    row, so rows come out sorted by post.
    """
    counts = np.bincount(rows, minlength=n_pre)
    indptr = np.zeros(n_pre + 1, np.int64)
    np.cumsum(counts, out=indptr[1:])
    out = aligned_empty(rows.size, np.int32)
    filled = indptr[:-1].copy()  # next free slot of each row
    width = max(1, min(n_post, np.iinfo(np.uint32).max // n_pre))
    for c0 in range(0, n_post, width):
        c1 = min(n_post, c0 + width)
        a, b = indptr_t[c0], indptr_t[c1]
        keys = rows[a:b].astype(np.uint32) * np.uint32(width)
        keys += np.repeat(np.arange(c1 - c0, dtype=np.uint32), np.diff(indptr_t[c0 : c1 + 1]))
        keys.sort()
        pre, post = np.divmod(keys, np.uint32(width))
        block = np.bincount(pre, minlength=n_pre)
        first = np.cumsum(block) - block  # where each row starts in this block
        slot = filled[pre] + (np.arange(b - a) - first[pre])
        out[slot] = post + c0
        filled += block
    return CSR(indptr, handed_over(out), n_post)


class FixedProb(AbstractConnector):
    r"""Each pair (pre, post) is connected independently with probability `prob`
    (Erdős–Rényi): out-degrees are $\mathrm{Binomial}(n_\mathrm{post}, p)$ and in-degrees
    $\mathrm{Binomial}(n_\mathrm{pre}, p)$.

    Generation costs O(connections), not O(n_pre × n_post), for sparse `prob`: each row's
    count is drawn from the binomial, then that many distinct columns uniformly, which is
    exactly one independent Bernoulli trial per pair. Above `prob = 0.25` it draws one
    uniform number per pair instead.

    **Arguments:**

    - `prob`: connection probability in `[0, 1]`.
    - `include_self`: whether neuron `i` may connect to itself when pre and post are the
      same population (`connector(n, n, key, same_population=True)`); without it, each
      of the other $n - 1$ pairs of a row is still a Bernoulli(`prob`) trial.
    - `allow_multi`: if True, each row still gets a binomial number of synapses, but their
      targets are drawn with replacement, so a pair may carry several synapses.

    Calling `FixedProb(prob)(n_pre, n_post, key)` returns a `dx.connect.CSR` sorted by
    (pre, post); the same key gives the same connectivity.
    """

    prob: float = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=True)
    allow_multi: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_prob(self.prob)
        check_bool(self.include_self, "include_self")
        check_bool(self.allow_multi, "allow_multi")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        n_pre, n_post = check_sizes(pre, post, same_population)
        rng = numpy_rng(key)
        skip = same_population and not self.include_self
        dense = self.prob > _DENSE_PROB and not self.allow_multi
        per_synapse = _BYTES_BERNOULLI if dense else _BYTES_SAMPLED
        name = f"FixedProb({self.prob})({n_pre}, {n_post})"
        check_budget(name, n_pre * (n_post - skip) * self.prob, per_synapse, expected=True)
        if dense:
            indptr, cols = bernoulli_rows(rng, n_pre, n_post, self.prob, skip)
        else:
            counts = rng.binomial(n_post - skip, self.prob, size=n_pre)
            check_budget(name, int(counts.sum()), per_synapse)  # the exact count, drawn
            indptr, cols = sample_rows(
                rng, counts, n_post, distinct=not self.allow_multi, skip_diagonal=skip
            )
        return CSR(indptr, cols, n_post)


class FixedPostNum(AbstractConnector):
    """Each presynaptic neuron connects to exactly `num` postsynaptic neurons, chosen
    uniformly (a fixed out-degree; in-degrees are then binomial).

    **Arguments:**

    - `num`: targets per presynaptic neuron: an int, or a float in `[0, 1]` read as a
      fraction of `n_post` (rounded to the nearest int: `round(num * n_post)`).
    - `include_self`: whether neuron `i` may target itself when
      `same_population=True` (without it, targets are drawn from the other `n - 1`).
    - `allow_multi`: draw targets with replacement (a pair may repeat); otherwise they are
      distinct, and `num` may not exceed the number of candidates.

    Each row of the result holds exactly `num` targets, so `.to_fan_out()` gives a
    table without padding.
    """

    num: int | float = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=True)
    allow_multi: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_num(self.num)
        check_bool(self.include_self, "include_self")
        check_bool(self.allow_multi, "allow_multi")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        n_pre, n_post = check_sizes(pre, post, same_population)
        skip = same_population and not self.include_self
        k = resolve_num(self.num, n_post - skip, self.allow_multi, "num", "each pre neuron")
        if k and n_post - skip == 0:
            raise ValueError(f"num={self.num!r} but there are no candidates (n_post=1).")
        check_budget(f"FixedPostNum({k})({n_pre}, {n_post})", n_pre * k, _BYTES_SAMPLED)
        rng = numpy_rng(key)
        counts = np.full(n_pre, k, np.int64)
        indptr, cols = sample_rows(
            rng, counts, n_post, distinct=not self.allow_multi, skip_diagonal=skip
        )
        return CSR(indptr, cols, n_post)


class FixedPreNum(AbstractConnector):
    """Each postsynaptic neuron receives exactly `num` inputs, from presynaptic neurons
    chosen uniformly (a fixed in-degree; out-degrees are then binomial).

    **Arguments:**

    - `num`: inputs per postsynaptic neuron: an int, or a float in `[0, 1]` read as a
      fraction of `n_pre` (rounded to the nearest int: `round(num * n_pre)`).
    - `include_self`: whether neuron `i` may receive from itself when
      `same_population=True`.
    - `allow_multi`: draw sources with replacement (a pair may repeat); otherwise they are
      distinct, and `num` may not exceed the number of candidates.
    """

    num: int | float = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=True)
    allow_multi: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_num(self.num)
        check_bool(self.include_self, "include_self")
        check_bool(self.allow_multi, "allow_multi")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        n_pre, n_post = check_sizes(pre, post, same_population)
        skip = same_population and not self.include_self
        k = resolve_num(self.num, n_pre - skip, self.allow_multi, "num", "each post neuron")
        if k and n_pre - skip == 0:
            raise ValueError(f"num={self.num!r} but there are no candidates (n_pre=1).")
        check_budget(f"FixedPreNum({k})({n_pre}, {n_post})", n_post * k, _BYTES_TRANSPOSED)
        rng = numpy_rng(key)
        counts = np.full(n_post, k, np.int64)
        indptr_t, rows = sample_rows(
            rng, counts, n_pre, distinct=not self.allow_multi, skip_diagonal=skip
        )
        return _transpose(indptr_t, rows, n_pre, n_post)


class FixedTotalNum(AbstractConnector):
    """Exactly `num` synapses in all, placed uniformly among the (pre, post) pairs.

    Without `allow_multi` the pairs are a uniform `num`-subset of all pairs (row counts
    follow the multivariate hypergeometric law); with it, each synapse picks its pair
    independently (row counts are multinomial).

    **Arguments:**

    - `num`: total number of synapses: an int, or a float in `[0, 1]` read as a fraction
      of the candidate pairs (`round(num * n_pre * n_post)`, or `n (n - 1)` without self).
    - `include_self`: whether pairs $i \\to i$ are candidates when `same_population=True`.
    - `allow_multi`: whether a pair may carry several synapses.
    """

    num: int | float = eqx.field(static=True)
    include_self: bool = eqx.field(static=True, default=True)
    allow_multi: bool = eqx.field(static=True, default=False)

    def __check_init__(self):
        check_num(self.num)
        check_bool(self.include_self, "include_self")
        check_bool(self.allow_multi, "allow_multi")

    def __call__(
        self, pre, post, key: PRNGKeyArray | None = None, *, same_population: bool = False
    ) -> CSR:
        n_pre, n_post = check_sizes(pre, post, same_population)
        skip = same_population and not self.include_self
        space = n_post - skip
        total = resolve_num(self.num, n_pre * space, self.allow_multi, "num", "the population pair")
        if total and space == 0:
            raise ValueError(f"num={self.num!r} but there are no candidates (n_post=1).")
        flat = not self.allow_multi and n_pre * space >= _HYPERGEOMETRIC_MAX
        per_synapse = _BYTES_FLAT_PAIRS if flat else _BYTES_SAMPLED
        check_budget(f"FixedTotalNum({total})({n_pre}, {n_post})", total, per_synapse)
        rng = numpy_rng(key)
        if flat:
            # Too many pairs for NumPy's hypergeometric: draw the pairs' flat indices.
            rows, cols = np.divmod(sample_distinct(rng, total, n_pre * space), space)
            if skip:
                cols += cols >= rows
            indptr = np.zeros(n_pre + 1, np.int64)
            np.cumsum(np.bincount(rows, minlength=n_pre), out=indptr[1:])
            return CSR(indptr, cols, n_post)
        if self.allow_multi:
            counts = rng.multinomial(total, np.full(n_pre, 1.0 / n_pre))
        else:
            counts = rng.multivariate_hypergeometric(np.full(n_pre, space, np.int64), total)
        indptr, cols = sample_rows(
            rng, counts, n_post, distinct=not self.allow_multi, skip_diagonal=skip
        )
        return CSR(indptr, cols, n_post)
