import numpy as np


def degrees(conn):
    """(out-degrees, in-degrees) of a CSR."""
    out_deg = np.diff(np.asarray(conn.indptr))
    in_deg = np.bincount(np.asarray(conn.indices), minlength=conn.n_post)
    return out_deg, in_deg


def pairs(conn):
    """The (pre, post) pairs of a CSR as a sorted (nnz, 2) array."""
    p = np.stack([np.asarray(conn.rows), np.asarray(conn.indices)], axis=1)
    return p[np.lexsort(p.T[::-1])]


def assert_rows_sorted_and_distinct(conn):
    indptr, idx = np.asarray(conn.indptr), np.asarray(conn.indices).astype(np.int64)
    rows = np.repeat(np.arange(conn.n_pre), np.diff(indptr))
    keys = rows * conn.n_post + idx
    assert np.all(np.diff(keys) > 0)


def assert_binomial(deg, n, p, sds=5.0, var_tol=0.15):
    """Mean within `sds` standard errors of n p; variance within `var_tol` of n p (1 - p)."""
    mean, var = n * p, n * p * (1 - p)
    assert abs(deg.mean() - mean) < sds * np.sqrt(var / deg.size), (deg.mean(), mean)
    assert abs(deg.var() / var - 1) < var_tol, (deg.var(), var)
