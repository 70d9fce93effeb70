import jax
import numpy as np
import pytest

import dynax as dx


def test_fc_matches_corrcoef_and_is_safe_for_constant_signals(x64):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6))  # correlated columns
    fc = dx.measure.functional_connectivity(x)
    np.testing.assert_allclose(fc, np.corrcoef(x.T), atol=1e-12)
    # A constant column: 0 with everything (NumPy: NaN), the rest unchanged.
    y = x.copy()
    y[:, 2] = 5.0
    fc = np.asarray(dx.measure.functional_connectivity(y))
    assert np.all(fc[2] == 0) and np.all(fc[:, 2] == 0)
    keep = [0, 1, 3, 4, 5]
    np.testing.assert_allclose(fc[np.ix_(keep, keep)], np.corrcoef(y[:, keep].T), atol=1e-12)
    # float32 stays float32 (also with x64 on).
    assert dx.measure.functional_connectivity(x.astype(np.float32)).dtype == np.float32
    with pytest.raises(ValueError, match="time first"):
        dx.measure.functional_connectivity(np.ones(10))


def test_fc_correlation_closed_forms(x64):
    a = np.array([[1.0, 1.0, 2.0], [1.0, 1.0, 3.0], [2.0, 3.0, 1.0]])  # upper (1, 2, 3)
    b = np.array([[7.0, 1.0, 3.0], [1.0, -4.0, 2.0], [3.0, 2.0, 0.0]])  # upper (1, 3, 2)
    # corr((1, 2, 3), (1, 3, 2)): deviations (-1, 0, 1), (-1, 1, 0): 1 / (sqrt 2 sqrt 2).
    assert float(dx.measure.fc_correlation(a, b)) == pytest.approx(0.5, abs=1e-14)
    assert float(dx.measure.fc_correlation(a, a)) == pytest.approx(1.0, abs=1e-14)
    assert float(dx.measure.fc_correlation(a, 1.0 - 2.0 * a)) == pytest.approx(-1.0, abs=1e-14)
    assert float(dx.measure.fc_correlation(a, np.ones((3, 3)))) == 0.0
    # Only the upper triangle is read: the diagonal and the lower triangle do not matter.
    c = np.triu(a, 1) + np.tril(np.full((3, 3), 9.0))
    assert float(dx.measure.fc_correlation(c, a)) == pytest.approx(1.0, abs=1e-14)
    with pytest.raises(ValueError, match="same shape"):
        dx.measure.fc_correlation(a, np.eye(4))


def test_fcd_of_switching_signal_closed_form(x64):
    # Blocks A, B, A, B of 40 samples; windows of one block each. In A the three signals
    # are (u, u, -u): upper FC (1, -1, -1); in B (u, -u, u): (-1, 1, -1). The correlation
    # of those two patterns is -1/2, so FCD = 1 between equal blocks and -1/2 otherwise.
    u = np.random.default_rng(1).normal(size=(4, 40))
    blocks = [np.stack([v, v, -v] if k % 2 == 0 else [v, -v, v], axis=1) for k, v in enumerate(u)]
    x = np.concatenate(blocks)
    dt = 500.0
    fcd = np.asarray(dx.measure.fcd(x, dt, window=40 * dt, step=40 * dt))
    same = np.add.outer(np.arange(4), np.arange(4)) % 2 == 0
    np.testing.assert_allclose(fcd, np.where(same, 1.0, -0.5), atol=1e-12)


def test_fcd_matches_a_direct_loop(x64):
    rng = np.random.default_rng(2)
    x = np.cumsum(rng.normal(size=(200, 5)), axis=0)
    window, step = 30, 7  # samples; dt = 720 ms
    fcd = np.asarray(dx.measure.fcd(x, 720.0, window=window * 720.0, step=step * 720.0))
    iu = np.triu_indices(5, 1)
    patterns = [np.corrcoef(x[s : s + window].T)[iu] for s in range(0, 200 - window + 1, step)]
    assert fcd.shape == (len(patterns), len(patterns)) == (25, 25)
    np.testing.assert_allclose(fcd, np.corrcoef(np.array(patterns)), atol=1e-12)
    with pytest.raises(ValueError, match="window"):
        dx.measure.fcd(x, 720.0, window=1e9, step=720.0)


def test_fc_loss_gradient_matches_finite_differences_and_vmaps(x64):
    rng = np.random.default_rng(3)
    noise = rng.normal(size=(150, 4))
    target = np.corrcoef(rng.normal(size=(150, 4)).T)

    @jax.jit
    def loss(mix):
        return 1.0 - dx.measure.fc_correlation(
            dx.measure.functional_connectivity(noise @ mix), target
        )

    mix = np.eye(4) + 0.3 * rng.normal(size=(4, 4))
    grad = np.asarray(jax.jit(jax.grad(loss))(mix))
    h = 1e-6
    fd = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            e = np.zeros((4, 4))
            e[i, j] = h
            fd[i, j] = (loss(mix + e) - loss(mix - e)) / (2 * h)
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-9)
    # Batches by vmap equal one call per element.
    batch = np.stack([noise, noise**3, np.sin(noise)])

    @jax.jit
    def scores(batch):
        fcs = jax.vmap(dx.measure.functional_connectivity)(batch)
        return fcs, jax.vmap(dx.measure.fc_correlation, in_axes=(0, None))(fcs, target)

    fcs, score = scores(batch)
    for k in range(3):
        fc = np.corrcoef(batch[k].T)
        np.testing.assert_allclose(fcs[k], fc, atol=1e-12)
        iu = np.triu_indices(4, 1)
        assert float(score[k]) == pytest.approx(np.corrcoef(fc[iu], target[iu])[0, 1], abs=1e-12)


def test_a_non_finite_signal_gives_nan_not_a_score():
    """A diverged simulation must not score as a constant one (0): NaN propagates."""
    x = np.random.default_rng(0).normal(size=(50, 4))
    x[3, 1] = np.nan
    fc = np.asarray(dx.measure.functional_connectivity(x))
    assert np.isnan(fc[1]).all() and np.isfinite(fc[0, [0, 2, 3]]).all()
    assert np.isnan(float(dx.measure.fc_correlation(np.eye(4) + 0.1, fc)))
