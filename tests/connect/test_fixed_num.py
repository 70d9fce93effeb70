import jax
import numpy as np
import pytest

import dynax as dx

from .helpers import assert_binomial, assert_rows_sorted_and_distinct, degrees


@pytest.mark.parametrize("num", [25, 0.05, 350])  # 350 of 500: drawn as complements
def test_fixed_post_num_gives_exact_out_degrees(num):
    n_pre, n_post = 800, 500
    conn = dx.connect.FixedPostNum(num)(n_pre, n_post, jax.random.key(0))
    k = num if isinstance(num, int) else round(num * n_post)
    out_deg, in_deg = degrees(conn)
    assert np.all(out_deg == k)
    assert_rows_sorted_and_distinct(conn)
    assert_binomial(in_deg, n_pre, k / n_post)  # targets uniform and independent per row


@pytest.mark.parametrize("num", [20, 0.04])
def test_fixed_pre_num_gives_exact_in_degrees(num):
    n_pre, n_post = 500, 800
    conn = dx.connect.FixedPreNum(num)(n_pre, n_post, jax.random.key(1))
    k = num if isinstance(num, int) else round(num * n_pre)
    out_deg, in_deg = degrees(conn)
    assert np.all(in_deg == k)
    assert_rows_sorted_and_distinct(conn)
    assert_binomial(out_deg, n_post, k / n_pre)


def test_excluding_self_and_allowing_multiple_synapses():
    n = 400
    pre = dx.connect.FixedPreNum(30, include_self=False)(
        n, n, jax.random.key(2), same_population=True
    )
    post = dx.connect.FixedPostNum(399, include_self=False)(
        n, n, jax.random.key(2), same_population=True
    )
    for conn in (pre, post):
        assert np.trace(np.asarray(conn.to_mask())) == 0
        assert_rows_sorted_and_distinct(conn)
    np.testing.assert_array_equal(post.to_mask(), ~np.eye(n, dtype=bool))  # all 399 others
    multi = dx.connect.FixedPostNum(50, allow_multi=True)(300, 60, jax.random.key(3))
    out_deg, in_deg = degrees(multi)
    assert np.all(out_deg == 50)
    # 50 draws with replacement among 60 targets leave 60 (1 - (59/60)^50) distinct.
    distinct = np.asarray(multi.to_mask()).sum(1)
    assert abs(distinct.mean() - 60 * (1 - (59 / 60) ** 50)) < 0.3
    more = dx.connect.FixedPreNum(90, allow_multi=True)(60, 100, jax.random.key(4))
    assert np.all(degrees(more)[1] == 90)  # more inputs than neurons: only with allow_multi


def test_fixed_total_num_places_exactly_num_synapses():
    n_pre, n_post, num = 200, 300, 6000
    conn = dx.connect.FixedTotalNum(num)(n_pre, n_post, jax.random.key(5))
    assert conn.nnz == num
    assert_rows_sorted_and_distinct(conn)
    out_deg, in_deg = degrees(conn)
    # Row counts are multivariate hypergeometric: mean num/n_pre, variance
    # num (1/n_pre)(1 - 1/n_pre)(N - num)/(N - 1), N = n_pre n_post.
    N, q = n_pre * n_post, 1 / n_pre
    var = num * q * (1 - q) * (N - num) / (N - 1)
    assert abs(out_deg.mean() - num / n_pre) < 1e-12
    assert abs(out_deg.var() / var - 1) < 0.25
    assert_binomial(in_deg, n_pre, num / N, var_tol=0.25)
    frac = dx.connect.FixedTotalNum(0.1, include_self=False)(
        50, 50, jax.random.key(6), same_population=True
    )
    assert frac.nnz == round(0.1 * 50 * 49) and np.trace(np.asarray(frac.to_mask())) == 0
    multi = dx.connect.FixedTotalNum(5000, allow_multi=True)(40, 50, jax.random.key(7))
    assert multi.nnz == 5000
    assert np.asarray(multi.to_mask()).sum() < 2000  # pairs repeat


def test_fixed_total_num_over_a_billion_pairs(monkeypatch):
    # Past NumPy's hypergeometric limit (10**9 pairs) the pairs are drawn directly; force
    # that path on a small problem.
    monkeypatch.setattr(dx.connect._random, "_HYPERGEOMETRIC_MAX", 100)
    n, num = 300, 9000
    conn = dx.connect.FixedTotalNum(num, include_self=False)(
        n, n, jax.random.key(8), same_population=True
    )
    assert conn.nnz == num and np.trace(np.asarray(conn.to_mask())) == 0
    assert_rows_sorted_and_distinct(conn)
    out_deg, in_deg = degrees(conn)
    N, q = n * (n - 1), 1 / n
    var = num * q * (1 - q) * (N - num) / (N - 1)
    assert abs(out_deg.var() / var - 1) < 0.25 and abs(in_deg.var() / var - 1) < 0.25


@pytest.mark.parametrize(
    "make",
    [
        lambda k: dx.connect.FixedPostNum(7)(100, 90, k),
        lambda k: dx.connect.FixedPreNum(7)(100, 90, k),
        lambda k: dx.connect.FixedTotalNum(700)(100, 90, k),
    ],
)
def test_same_key_same_connectivity(make):
    a, b, c = make(jax.random.key(0)), make(jax.random.key(0)), make(jax.random.key(1))
    np.testing.assert_array_equal(a.indices, b.indices)
    np.testing.assert_array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.indices, c.indices)


def test_errors_name_the_argument():
    key = jax.random.key(0)
    with pytest.raises(ValueError, match="num must be >= 0"):
        dx.connect.FixedPreNum(-1)
    with pytest.raises(ValueError, match=r"num as a float is a fraction and must lie in \[0, 1\]"):
        dx.connect.FixedPostNum(2.5)
    with pytest.raises(ValueError, match="num must be an int >= 0 or a float"):
        dx.connect.FixedTotalNum("10")
    with pytest.raises(ValueError, match="num=11 asks for 11 distinct connections .* only 10"):
        dx.connect.FixedPostNum(11)(5, 10, key)
    with pytest.raises(ValueError, match="num=10 asks for 10 distinct .* only 9 candidates"):
        dx.connect.FixedPreNum(10, include_self=False)(10, 10, key, same_population=True)
    with pytest.raises(ValueError, match="num=101 asks .* only 100"):
        dx.connect.FixedTotalNum(101)(10, 10, key)
    with pytest.raises(ValueError, match="include_self must be True or False"):
        dx.connect.FixedPreNum(3, include_self=None)


def test_fixed_pre_num_transposes_in_column_blocks():
    # n_pre * n_post > 2**32: the columns are transposed in three blocks.
    n_pre, n_post = 2_000_000, 5000
    conn = dx.connect.FixedPreNum(2)(n_pre, n_post, jax.random.key(9))
    assert np.all(degrees(conn)[1] == 2)
    assert_rows_sorted_and_distinct(conn)
    # The same pairs as the sources drawn post by post, sorted by a plain argsort.
    from dynax.connect._base import numpy_rng
    from dynax.connect._sampling import sample_rows

    counts = np.full(n_post, 2)
    _, sources = sample_rows(numpy_rng(jax.random.key(9)), counts, n_pre, distinct=True)
    ref = dx.connect.from_ij(sources, np.repeat(np.arange(n_post), 2), n_pre, n_post)
    np.testing.assert_array_equal(conn.indptr, ref.indptr)
    np.testing.assert_array_equal(conn.indices, ref.indices)
