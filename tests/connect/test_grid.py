import numpy as np
import pytest

import dynax as dx

from .helpers import assert_rows_sorted_and_distinct


def neighbour_counts(conn, shape):
    return np.diff(np.asarray(conn.indptr)).reshape(shape)


@pytest.mark.parametrize(
    "connector, interior, corner, edge",
    [
        (dx.connect.GridFour(), 4, 2, 3),
        (dx.connect.GridEight(), 8, 3, 5),
        (dx.connect.GridN(1), 8, 3, 5),
        (dx.connect.GridN(2), 24, 8, 14),  # corner: 3 x 3 - 1; edge middle: 3 x 5 - 1
    ],
)
def test_neighbourhood_sizes(connector, interior, corner, edge):
    shape = (9, 11)
    counts = neighbour_counts(connector(shape, shape), shape)
    assert counts[4, 5] == interior
    assert counts[0, 0] == counts[-1, -1] == corner
    assert counts[0, 5] == counts[4, 0] == edge
    periodic = type(connector)(**{**_fields(connector), "periodic": True})(shape, shape)
    assert np.all(neighbour_counts(periodic, shape) == interior)
    with_self = type(connector)(**{**_fields(connector), "include_self": True})(shape, shape)
    assert np.all(
        neighbour_counts(with_self, shape) == neighbour_counts(connector(shape, shape), shape) + 1
    )
    assert np.all(np.diag(np.asarray(with_self.to_mask())))


def _fields(connector):
    return {k: getattr(connector, k) for k in ("n",) if hasattr(connector, k)}


def test_neighbours_are_the_right_cells():
    h, w = 6, 7
    y, x = np.divmod(np.arange(h * w), w)
    dy, dx_ = np.abs(y[:, None] - y[None]), np.abs(x[:, None] - x[None])
    four = np.asarray(dx.connect.GridFour()((h, w), (h, w)).to_mask())
    np.testing.assert_array_equal(four, dy + dx_ == 1)
    grid_n = dx.connect.GridN(2)((h, w), (h, w))
    np.testing.assert_array_equal(grid_n.to_mask(), (np.maximum(dy, dx_) <= 2) & (dy + dx_ > 0))
    assert_rows_sorted_and_distinct(grid_n)
    # Periodic: distances wrap around the torus.
    wy, wx = np.minimum(dy, h - dy), np.minimum(dx_, w - dx_)
    eight = np.asarray(dx.connect.GridEight(periodic=True)((h, w), (h, w)).to_mask())
    np.testing.assert_array_equal(eight, (np.maximum(wy, wx) == 1))
    # A grid narrower than the neighbourhood reaches a cell through two offsets: once.
    small = dx.connect.GridEight(periodic=True)((2, 3), (2, 3))
    assert_rows_sorted_and_distinct(small)
    assert np.all(np.diff(np.asarray(small.indptr)) == 5)


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="n must be a positive int"):
        dx.connect.GridN(0)
    with pytest.raises(ValueError, match="periodic must be True or False"):
        dx.connect.GridFour(periodic="yes")
    with pytest.raises(ValueError, match=r"pre must be a 2-d grid shape \(h, w\)"):
        dx.connect.GridFour()(16, 16)
    with pytest.raises(ValueError, match="pre and post must be the same grid"):
        dx.connect.GridEight()((4, 4), (4, 5))
