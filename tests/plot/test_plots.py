import matplotlib
import numpy as np
import pytest

import dynax as dx

matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_traces_draw_one_labelled_line_per_signal():
    x = np.arange(30.0).reshape(10, 3)
    ax = dx.plot.traces(x, dt=0.5, labels=["a", "b", "c"], ylabel="v (mV)")
    assert len(ax.lines) == 3
    np.testing.assert_allclose(ax.lines[1].get_xdata(), 0.5 * np.arange(1, 11))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), x[:, 1])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    assert ax.get_ylabel() == "v (mV)"
    with pytest.raises(ValueError, match="labels"):
        dx.plot.traces(x, dt=0.5, labels=["a"])


def test_raster_with_rate_shares_time_and_plots_the_population_rate():
    spikes = np.zeros((8, 4), bool)
    spikes[2, :2] = True
    t = 0.5 * np.arange(1, 9)
    ax_raster, ax_rate = dx.plot.raster_with_rate(spikes, t)
    np.testing.assert_allclose(ax_raster.lines[0].get_xdata(), [1.5, 1.5])
    np.testing.assert_allclose(ax_rate.lines[0].get_xdata(), t)
    # Half of the neurons in one step of 0.5 ms: 1000 Hz.
    np.testing.assert_allclose(ax_rate.lines[0].get_ydata(), np.where(np.arange(8) == 2, 1e3, 0))
    assert ax_raster.get_shared_x_axes().joined(ax_raster, ax_rate)


def test_spectrum_drops_frequency_zero_on_log_axes():
    freqs = np.arange(5.0)
    psd = np.array([[9.0, 1.0], [1.0, 2.0], [0.5, 3.0], [0.25, 4.0], [0.1, 5.0]])
    ax = dx.plot.spectrum(freqs, psd, labels=["x", "y"])
    assert len(ax.lines) == 2 and ax.get_xscale() == "log" and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_xdata(), freqs[1:])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), psd[1:, 1])
    ax = dx.plot.spectrum(freqs, psd[:, 0], log=False)
    assert ax.get_xscale() == "linear" and len(ax.lines[0].get_xdata()) == 5


def test_matrix_images_hold_the_matrices():
    w = np.random.default_rng(0).random((4, 6))
    ax = dx.plot.connectivity(w)
    np.testing.assert_array_equal(ax.images[0].get_array(), w)
    assert len(ax.figure.axes) == 2  # the colour bar
    a = np.corrcoef(np.random.default_rng(1).normal(size=(5, 40)))
    b = 0.5 * a + 0.1  # an affine copy: r = 1 off the diagonal
    ax_emp, ax_sim = dx.plot.fc_comparison(a, b)
    np.testing.assert_array_equal(ax_emp.images[0].get_array(), a)
    np.testing.assert_array_equal(ax_sim.images[0].get_array(), b)
    assert "r = 1.000" in ax_sim.get_title()
    with pytest.raises(ValueError, match="square"):
        dx.plot.fc_comparison(a, b[:4, :4])


def test_bump_image_is_the_activity_over_time():
    u = np.random.default_rng(2).random((20, 7))
    x = np.linspace(-np.pi, np.pi, 7)
    ax = dx.plot.bump(u, dt=0.1, positions=x)
    np.testing.assert_array_equal(ax.images[0].get_array(), u.T)
    left, right, bottom, top = ax.images[0].get_extent()
    assert (left, right) == pytest.approx((0.05, 2.05)) and bottom < -np.pi < np.pi < top
    with pytest.raises(ValueError, match="positions"):
        dx.plot.bump(u, dt=0.1, positions=x[:3])
