"""`JitProb`: connectivity regenerated from a seed, against its definition."""

import jax
import numpy as np
import pytest

import dynax as dx


def test_jit_connectivity_has_binomial_degrees():
    n_pre, n_post, p = 2000, 1500, 0.02
    mask = np.asarray(dx.connect.JitProb(n_pre, n_post, p, seed=3).todense()) != 0
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


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(n_pre=0, n_post=5, prob=0.1, seed=0), "n_pre must be a positive int"),
        (dict(n_pre=5, n_post=5, prob=1.5, seed=0), r"prob must be a number in \(0, 1\]"),
        (dict(n_pre=5, n_post=5, prob=0.1, seed=0.5), "seed must be an integer scalar"),
    ],
)
def test_jit_connectivity_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        dx.connect.JitProb(**kwargs)
