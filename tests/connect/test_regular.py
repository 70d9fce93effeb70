import sys

import jax
import numpy as np
import pytest

import dynax as dx


def test_one_to_one_and_all_to_all():
    np.testing.assert_array_equal(dx.connect.One2One()(4, 4).to_mask(), np.eye(4, dtype=bool))
    np.testing.assert_array_equal(dx.connect.All2All()(3, 5).to_mask(), np.ones((3, 5), bool))
    no_self = dx.connect.All2All(include_self=False)(4, 4, same_population=True)
    np.testing.assert_array_equal(no_self.to_mask(), ~np.eye(4, dtype=bool))
    assert no_self.nnz == 12 and no_self.max_fan_out == 3
    with pytest.raises(ValueError, match="One2One needs n_pre == n_post"):
        dx.connect.One2One()(3, 4)


def test_every_connector_is_a_connector_returning_csr():
    key = jax.random.key(0)
    connectors = [
        (dx.connect.One2One(), 30),
        (dx.connect.All2All(), 30),
        (dx.connect.FixedProb(0.1), 30),
        (dx.connect.FixedPreNum(3), 30),
        (dx.connect.FixedPostNum(3), 30),
        (dx.connect.FixedTotalNum(50), 30),
        (dx.connect.GaussianProb(2.0), 30),
        (dx.connect.DistanceProb(lambda d: 0.1 + 0 * d), 30),
        (dx.connect.SmallWorld(4, 0.1), 30),
        (dx.connect.ScaleFreeBA(2), 30),
        (dx.connect.ScaleFreeBADual(1, 2, 0.5), 30),
        (dx.connect.PowerLaw(2, 0.5), 30),
        (dx.connect.GridFour(), (5, 6)),
        (dx.connect.GridEight(), (5, 6)),
        (dx.connect.GridN(2), (5, 6)),
    ]
    for connector, size in connectors:
        assert isinstance(connector, dx.connect.AbstractConnector)
        conn = connector(size, size, key)
        assert isinstance(conn, dx.connect.CSR) and conn.n_pre == conn.n_post == 30


def test_missing_networkx_gives_a_clear_error(monkeypatch):
    monkeypatch.setitem(sys.modules, "networkx", None)
    with pytest.raises(ImportError, match="from_networkx needs networkx"):
        dx.connect.from_networkx(object())
