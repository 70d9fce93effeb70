import numpy as np
import pytest

import dynax as dx


@pytest.fixture(scope="module")
def hcp():
    return dx.datasets.load_connectome("hcp")


def test_names_and_bad_arguments():
    assert dx.datasets.names() == ("hcp", "gw")
    with pytest.raises(ValueError, match="'hcp', 'gw'"):
        dx.datasets.load_connectome("HCP")
    with pytest.raises(ValueError, match="7 subjects, 0 to 6"):
        dx.datasets.load_connectome("hcp", subject=7)
    with pytest.raises(ValueError, match="NAP_001"):
        dx.datasets.load_connectome("gw", subject="101309")
    with pytest.raises(ValueError, match="subject must be"):
        dx.datasets.load_connectome("gw", subject=1.0)
    with pytest.raises(ValueError, match="fcd_window"):
        dx.datasets.load_connectome("gw", fcd_window=0.0)


def test_hcp_structure(hcp):
    s, n = 7, 80
    assert hcp.subjects == ("101309", "102311", "102816", "131217", "211619", "213522", "377451")
    assert hcp.n == n and len(set(hcp.regions)) == n and hcp.tr == 720.0
    assert hcp.regions[:2] == ("Precentral_L", "Precentral_R")
    assert "Thalamus_L" not in hcp.regions and "Hippocampus_R" not in hcp.regions
    counts, lengths = np.asarray(hcp.counts), np.asarray(hcp.subject_lengths)
    assert counts.shape == lengths.shape == (s, n, n)
    # HCP's counts are symmetric (both directions averaged), zero on the diagonal.
    np.testing.assert_array_equal(counts, counts.transpose(0, 2, 1))
    np.testing.assert_array_equal(lengths, lengths.transpose(0, 2, 1))
    assert np.all(np.diagonal(counts, axis1=1, axis2=2) == 0)
    assert counts.min() >= 0
    # A length wherever there are fibres (between 1 mm and 40 cm), none where there are not.
    assert np.all((lengths > 0) == (counts > 0))
    assert 1.0 < lengths[counts > 0].min() and lengths.max() < 400.0
    # Group matrices: max-normalised counts averaged; lengths averaged over connected.
    cmat = np.asarray(hcp.cmat)
    assert cmat.shape == (n, n) and np.allclose(cmat, cmat.T) and np.all(np.diag(cmat) == 0)
    expected = (counts / counts.max(axis=(1, 2), keepdims=True)).mean(axis=0)
    np.testing.assert_allclose(cmat, expected, rtol=1e-6)
    i, j = 0, 2  # Precentral_L - Frontal_Sup_2_L
    connected = counts[:, i, j] > 0
    assert float(hcp.lengths[i, j]) == pytest.approx(lengths[connected, i, j].mean(), rel=1e-6)


def test_hcp_fc_equals_numpy(hcp):
    bold = np.asarray(hcp.bold, np.float64)
    assert bold.shape == (7, 1200, 80)
    fc = np.asarray(hcp.fc)
    for k in range(7):
        np.testing.assert_allclose(fc[k], np.corrcoef(bold[k].T), atol=2e-5)
    np.testing.assert_allclose(hcp.group_fc, fc.mean(axis=0), atol=1e-6)
    assert np.allclose(fc, fc.transpose(0, 2, 1), atol=1e-6)
    np.testing.assert_allclose(np.diagonal(fc, axis1=1, axis2=2), 1.0, atol=1e-5)
    # FCD: windows of 60 s = 83 samples of 720 ms, shifted by 10 s = 14 samples.
    w = (1200 - 83) // 14 + 1
    assert hcp.fcd.shape == (7, w, w)
    iu = np.triu_indices(80, 1)
    first, last = bold[0, :83], bold[0, (w - 1) * 14 : (w - 1) * 14 + 83]
    expected = np.corrcoef(np.corrcoef(first.T)[iu], np.corrcoef(last.T)[iu])[0, 1]
    assert float(hcp.fcd[0, 0, w - 1]) == pytest.approx(expected, abs=1e-4)
    # The group FC of resting state is mostly positive, and structure predicts it.
    assert 0.1 < float(np.mean(fc[:, iu[0], iu[1]])) < 0.6
    assert float(dx.measure.fc_correlation(hcp.group_fc, hcp.cmat)) > 0.2


def test_gw_one_subject_with_subcortical_regions():
    gw = dx.datasets.load_connectome("gw", subject=2, subcortical=True)
    everyone = dx.datasets.load_connectome("gw", subcortical=True)
    assert len(everyone.subjects) == 5 and gw.subjects == ("NAP_007",) == everyone.subjects[2:3]
    assert gw.n == 94 and gw.regions[74:76] == ("Caudate_L", "Caudate_R") and gw.tr == 2000.0
    assert gw.bold.shape == (1, 355, 94) and gw.counts.shape == (1, 94, 94)
    np.testing.assert_array_equal(gw.counts[0], everyone.counts[2])
    np.testing.assert_allclose(gw.group_fc, everyone.fc[2], atol=1e-6)
    # GW's counts are directed (seed row, target column): not symmetric, zero diagonal.
    counts = np.asarray(everyone.counts)
    assert not np.array_equal(counts, counts.transpose(0, 2, 1))
    assert np.all(np.diagonal(counts, axis1=1, axis2=2) == 0)
    lengths = np.asarray(everyone.subject_lengths)
    assert np.all((lengths > 0) == (counts > 0))


def test_normalise_counts():
    c = np.array([[0.0, 2.0, 6.0], [2.0, 0.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(dx.datasets.normalise_counts(c), c / 6.0)
    rows = dx.datasets.normalise_counts(c, "row")
    np.testing.assert_allclose(rows, [[0, 0.25, 0.75], [1, 0, 0], [0, 0, 0]])
    stacked = dx.datasets.normalise_counts(np.stack([c, 3 * c]))
    np.testing.assert_allclose(stacked, np.stack([c / 6.0, c / 6.0]))
    with pytest.raises(ValueError, match='"max" or "row"'):
        dx.datasets.normalise_counts(c, "sum")
