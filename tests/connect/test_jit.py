"""`JitProb`: connectivity regenerated from a seed, against its definition."""

import jax
import numpy as np
import pytest

import dynax as dx


# (tiles with the slow tests; test_column_tiles_are_independent_bernoulli_streams stays quick)
@pytest.mark.parametrize("column_tile", [None, pytest.param(64, marks=pytest.mark.slow)])
def test_jit_connectivity_has_binomial_degrees(column_tile):
    n_pre, n_post, p = 2000, 1500, 0.02
    conn = dx.connect.JitProb(n_pre, n_post, p, seed=3, column_tile=column_tile)
    mask = np.asarray(conn.todense()) != 0
    out_deg, in_deg = mask.sum(1), mask.sum(0)
    # Bernoulli(p) entries: degrees Binomial(n, p); the means within 5 standard errors.
    for deg, n, m in ((out_deg, n_post, n_pre), (in_deg, n_pre, n_post)):
        mean, var = n * p, n * p * (1 - p)
        assert abs(deg.mean() - mean) < 5 * np.sqrt(var / m)
        assert abs(deg.var() / var - 1) < 5 * np.sqrt(2 / m)
    # independent entries: the out-degrees of consecutive rows are uncorrelated
    assert abs(np.corrcoef(out_deg[:-1], out_deg[1:])[0, 1]) < 5 / np.sqrt(n_pre)


def test_jit_connectivity_is_a_function_of_its_seed():
    a = dx.connect.JitProb(300, 200, 0.1, seed=1)
    same = dx.connect.JitProb(300, 200, 0.1, seed=1)
    other = dx.connect.JitProb(300, 200, 0.1, seed=2)
    np.testing.assert_array_equal(a.todense(), same.todense())
    assert np.mean(np.asarray(a.todense()) != np.asarray(other.todense())) > 0.1
    csr = a.to_csr()
    np.testing.assert_array_equal(csr.todense(), a.todense())
    assert (np.diff(np.asarray(csr.indptr)) <= a.max_fan_out).all()
    # K = ceil(mu + 10 sqrt(mu) + 16) with mu = 20
    assert a.max_fan_out == int(np.ceil(20 + 10 * np.sqrt(20) + 16))


def test_jit_connectivity_is_a_pytree_with_a_traced_seed():
    conn = dx.connect.JitProb(100, 80, 0.2, seed=0)
    leaves = jax.tree.leaves(conn)
    assert len(leaves) == 1 and leaves[0].dtype == np.int32


@pytest.mark.slow  # 4-5 s; tests/ops/test_jitconn_backends.py checks the tiles quickly
def test_column_tiles_are_independent_bernoulli_streams():
    n_pre, n_post, p, tile = 2000, 1000, 0.05, 48  # 20 whole tiles and one of 40 columns
    conn = dx.connect.JitProb(n_pre, n_post, p, seed=5, column_tile=tile)
    mask = np.asarray(conn.todense()) != 0
    # Every column, at every offset within its tile (a restart at the tile's first
    # column), is connected with probability p: offsets averaged over tiles and rows.
    by_offset = mask[:, : 20 * tile].reshape(n_pre, 20, tile).mean((0, 1))
    assert abs(by_offset[0] - p) < 5 * np.sqrt(p * (1 - p) / (20 * n_pre))
    assert abs(by_offset.mean() - p) < 5 * np.sqrt(p * (1 - p) / (20 * tile * n_pre))
    # A (row, tile) count is Binomial(T, p) (the last tile's with its 40 columns), and the
    # tiles of a row are independent: neighbouring tiles' counts are uncorrelated.
    counts = mask[:, : 20 * tile].reshape(n_pre, 20, tile).sum(2)
    mean, var = tile * p, tile * p * (1 - p)
    assert abs(counts.mean() - mean) < 5 * np.sqrt(var / counts.size)
    assert abs(counts.var() / var - 1) < 5 * np.sqrt(2 / counts.size)
    assert abs(mask[:, 20 * tile :].sum(1).mean() - 40 * p) < 5 * np.sqrt(40 * p / n_pre)
    r = np.corrcoef(counts[:, :-1].ravel(), counts[:, 1:].ravel())[0, 1]
    assert abs(r) < 5 / np.sqrt(counts[:, 1:].size)
    # Tile 0 keeps the row's stream: the untiled columns below T; the others are new.
    untiled = np.asarray(dx.connect.JitProb(n_pre, n_post, p, seed=5).todense()) != 0
    np.testing.assert_array_equal(mask[:, :tile], untiled[:, :tile])
    assert ((mask[:, tile:] & untiled[:, tile:]).mean()) < 2 * p**2
    # One tile over every column is the untiled connectivity; the caps are per tile.
    whole = dx.connect.JitProb(n_pre, n_post, p, seed=5, column_tile=n_post)
    np.testing.assert_array_equal(np.asarray(whole.todense()) != 0, untiled)
    assert whole.max_fan_out == dx.connect.JitProb(n_pre, n_post, p, seed=5).max_fan_out
    k_tile = int(np.ceil(tile * p + 10 * np.sqrt(tile * p) + 16))
    assert conn.max_fan_out == min(n_post, 21 * k_tile)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_pre=0, n_post=5, prob=0.1, seed=0), "n_pre must be a positive int"),
        (dict(n_pre=5, n_post=5, prob=1.5, seed=0), r"prob must be a number in \(0, 1\]"),
        (dict(n_pre=5, n_post=5, prob=0.1, seed=0.5), "seed must be an integer scalar"),
        (dict(n_pre=5, n_post=5, prob=0.1, seed=0, column_tile=0), "column_tile must be"),
        (dict(n_pre=5, n_post=5, prob=0.1, seed=0, column_tile=2.0), "column_tile must be"),
    ],
)
def test_jit_connectivity_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.connect.JitProb(**kwargs)
