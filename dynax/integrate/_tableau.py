"""Butcher tableaux of explicit Runge–Kutta methods."""

import math

import equinox as eqx


class ButcherTableau(eqx.Module):
    r"""The coefficients of an explicit Runge–Kutta method.

    The method takes a step of size $h$ with $s$ stages,

    $$k_i = f\Big(t + c_i h,\; y + h \sum_{j<i} a_{ij} k_j\Big), \qquad
    y_{n+1} = y_n + h \sum_i b_i k_i .$$

    **Arguments:**

    - `a`: the strictly lower-triangular matrix, as rows: row $i$ holds $a_{i,0..i-1}$
      (so the first row is empty and may be left out).
    - `b`: the weights $b_i$, one per stage; they sum to 1.
    - `c`: the nodes $c_i$; each equals the sum of its row of `a`.
    - `order`: the order of accuracy (used in documentation and tests).

    Pass `dx.integrate.RungeKutta(tableau)` (or the tableau itself) as `method=` to
    [`dynax.integrate.odeint`][] to use your own method.

    ??? cite "Reference"

        Butcher, J. C. (2016). *Numerical Methods for Ordinary Differential Equations*
        (3rd ed.). Wiley.
    """

    a: tuple[tuple[float, ...], ...] = eqx.field(static=True)
    b: tuple[float, ...] = eqx.field(static=True)
    c: tuple[float, ...] = eqx.field(static=True)
    order: int = eqx.field(static=True)

    def __init__(self, a, b, c, order: int):
        b = tuple(float(x) for x in b)
        c = tuple(float(x) for x in c)
        rows = [tuple(float(x) for x in row) for row in a]
        if len(rows) == len(b) - 1:
            rows = [(), *rows]
        self.a, self.b, self.c, self.order = tuple(rows), b, c, order

    def __check_init__(self):
        s = len(self.b)
        if s == 0 or len(self.c) != s or len(self.a) != s:
            raise ValueError(
                f"a Butcher tableau needs as many nodes c ({len(self.c)}) and rows of a "
                f"({len(self.a)}) as weights b ({s})."
            )
        for i, row in enumerate(self.a):
            if len(row) != i:
                raise ValueError(
                    f"row {i} of a must have {i} entries (explicit methods only), got {row}."
                )
            if not math.isclose(sum(row), self.c[i], abs_tol=1e-12):
                raise ValueError(f"c[{i}] = {self.c[i]} must equal the sum of row {i} of a.")
        if not math.isclose(sum(self.b), 1.0, abs_tol=1e-12):
            raise ValueError(f"the weights b must sum to 1, got {sum(self.b)}.")
        if not isinstance(self.order, int) or self.order < 1:
            raise ValueError(f"order must be a positive int, got {self.order!r}.")


_s5 = math.sqrt(5.0)

TABLEAUX: dict[str, ButcherTableau] = {
    "euler": ButcherTableau(a=[], b=[1.0], c=[0.0], order=1),
    "midpoint": ButcherTableau(a=[[1 / 2]], b=[0.0, 1.0], c=[0.0, 1 / 2], order=2),
    "heun": ButcherTableau(a=[[1.0]], b=[1 / 2, 1 / 2], c=[0.0, 1.0], order=2),
    # Ralston (1962): the two-stage method with minimum error bound (the generic
    # two-stage family k2 at c = α, b = (1 - 1/(2α), 1/(2α)) at α = 2/3).
    "ralston": ButcherTableau(a=[[2 / 3]], b=[1 / 4, 3 / 4], c=[0.0, 2 / 3], order=2),
    "rk3": ButcherTableau(
        a=[[1 / 2], [-1.0, 2.0]], b=[1 / 6, 2 / 3, 1 / 6], c=[0.0, 1 / 2, 1.0], order=3
    ),
    "heun3": ButcherTableau(
        a=[[1 / 3], [0.0, 2 / 3]], b=[1 / 4, 0.0, 3 / 4], c=[0.0, 1 / 3, 2 / 3], order=3
    ),
    "ralston3": ButcherTableau(
        a=[[1 / 2], [0.0, 3 / 4]], b=[2 / 9, 1 / 3, 4 / 9], c=[0.0, 1 / 2, 3 / 4], order=3
    ),
    "ssprk3": ButcherTableau(
        a=[[1.0], [1 / 4, 1 / 4]], b=[1 / 6, 1 / 6, 2 / 3], c=[0.0, 1.0, 1 / 2], order=3
    ),
    "rk4": ButcherTableau(
        a=[[1 / 2], [0.0, 1 / 2], [0.0, 0.0, 1.0]],
        b=[1 / 6, 1 / 3, 1 / 3, 1 / 6],
        c=[0.0, 1 / 2, 1 / 2, 1.0],
        order=4,
    ),
    # Ralston (1962): the fourth-order method with minimum truncation error bound.
    "ralston4": ButcherTableau(
        a=[
            [2 / 5],
            [(-2889 + 1428 * _s5) / 1024, (3785 - 1620 * _s5) / 1024],
            [
                (-3365 + 2094 * _s5) / 6040,
                (-975 - 3046 * _s5) / 2552,
                (467040 + 203968 * _s5) / 240845,
            ],
        ],
        b=[
            (263 + 24 * _s5) / 1812,
            (125 - 1000 * _s5) / 3828,
            (3426304 + 1661952 * _s5) / 5924787,
            (30 - 4 * _s5) / 123,
        ],
        c=[0.0, 2 / 5, 7 / 8 - 3 * _s5 / 16, 1.0],
        order=4,
    ),
    "rk4_38": ButcherTableau(
        a=[[1 / 3], [-1 / 3, 1.0], [1.0, -1.0, 1.0]],
        b=[1 / 8, 3 / 8, 3 / 8, 1 / 8],
        c=[0.0, 1 / 3, 2 / 3, 1.0],
        order=4,
    ),
}
