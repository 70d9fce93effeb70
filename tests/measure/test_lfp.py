import numpy as np
import pytest

import dynax as dx


def test_lfp_proxy_is_the_shifted_weighted_sum():
    rng = np.random.default_rng(0)
    dt, T, n = 0.5, 40, 3
    ampa = rng.normal(size=(T, n))  # signs mixed on purpose: absolute values are summed
    gaba = rng.normal(size=(T, n))
    lfp = np.asarray(dx.measure.lfp_proxy(ampa, gaba, dt, delay=1.5, alpha=1.65))
    d = 3  # 1.5 ms at 0.5 ms
    by_hand = [
        sum(abs(ampa[k - d, i]) for i in range(n)) - 1.65 * sum(abs(gaba[k, i]) for i in range(n))
        for k in range(d, T)
    ]
    np.testing.assert_allclose(lfp, by_hand, rtol=1e-5)
    # The published default: 6 ms = 12 steps at 0.5 ms, summed already over neurons.
    default = np.asarray(dx.measure.lfp_proxy(ampa.sum(1), gaba.sum(1), dt))
    s_a, s_g = np.abs(ampa.sum(1)), np.abs(gaba.sum(1))
    np.testing.assert_allclose(default, s_a[:-12] - 1.65 * s_g[12:], rtol=1e-5)
    np.testing.assert_allclose(
        dx.measure.lfp_abs_sum(ampa, gaba), np.abs(ampa).sum(1) + np.abs(gaba).sum(1), rtol=1e-5
    )


def test_lfp_proxy_refuses_a_delay_off_the_step_grid():
    x = np.ones((20, 2))
    with pytest.raises(ValueError, match="whole number of dt"):
        dx.measure.lfp_proxy(x, x, 0.4, delay=6.0 + 0.2)
    with pytest.raises(ValueError, match="leaves nothing"):
        dx.measure.lfp_proxy(x, x, 0.1)  # 6 ms is 60 records
    with pytest.raises(ValueError, match="same number of records"):
        dx.measure.lfp_abs_sum(x, x[:10])
    assert dx.measure.lfp_proxy(x, x, 0.5).shape == (8,)
