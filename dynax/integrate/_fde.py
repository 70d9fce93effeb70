"""Fractional-order ODE steppers (Caputo derivative) with a bounded memory, and their
methods: `CaputoEuler`, `CaputoL1`, `GrunwaldLetnikov`."""

import dataclasses
from collections.abc import Callable

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.special import gamma

from .._custom_types import Array, ArrayLike, Float, Int, PyTree
from ._linear import check_dt
from ._method import AbstractFDEMethod, AbstractMethod, AbstractStepper


class FDEState(eqx.Module):
    """State of an [`dynax.integrate.FDEStepper`][]: the solution and its memory.

    - `y`: the current value $y_n$ (a pytree of float arrays, like `y0`).
    - `y0`: the initial value $y_0$ of the Caputo problem.
    - `history`: the bounded memory, one array of shape `(num_memory, *leaf.shape)` per
      leaf of `y`, newest entry first. What it holds depends on the method: past values
      $f(t_j, y_j)$ ([`dynax.integrate.CaputoEuler`][]), past increments
      $y_j - y_{j-1}$ ([`dynax.integrate.CaputoL1`][]) or past deviations $y_j - y_0$
      ([`dynax.integrate.GrunwaldLetnikov`][]).
    - `n`: the number of steps taken since `init`, an `int32` scalar.
    """

    y: PyTree[Array]
    y0: PyTree[Array]
    history: PyTree[Array]
    n: Int[Array, ""]


def _check_alpha(alpha: Array, given) -> None:
    try:
        concrete = np.asarray(alpha)
    except jax.errors.TracerArrayConversionError:  # built inside a traced function
        return
    if not np.all((concrete > 0) & (concrete <= 1)):
        raise ValueError(f"alpha must lie in (0, 1], got alpha={given!r}.")


def _against(w: Array, leaf: Array) -> Array:
    """Weights of shape `(L, *alpha.shape)` reshaped to broadcast against `(L, *leaf.shape)`."""
    extra = leaf.ndim - (w.ndim - 1)
    if extra < 0:
        raise ValueError(
            f"alpha of shape {w.shape[1:]} does not broadcast against a leaf of y of shape "
            f"{leaf.shape}."
        )
    return w.reshape(w.shape[:1] + (1,) * extra + w.shape[1:]).astype(leaf.dtype)


def _weighted_sum(w: Array, history: Array) -> Array:
    """$\\sum_k w_k h_k$ over the memory axis (a matrix-vector product for scalar alpha)."""
    if w.ndim == 1:
        return jnp.tensordot(w.astype(history.dtype), history, axes=1)
    return jnp.sum(_against(w, history[0]) * history, axis=0)


def _push(history: Array, newest: Array) -> Array:
    """Shift the memory by one, newest first; the oldest entry falls out."""
    return jnp.concatenate([newest[None].astype(history.dtype), history[:-1]])


def _check_num_memory(num_memory) -> int:
    if (
        isinstance(num_memory, bool)
        or not isinstance(num_memory, int | np.integer)
        or num_memory <= 0
    ):
        raise ValueError(f"num_memory must be a positive int, got num_memory={num_memory!r}.")
    return int(num_memory)


def _scale(alpha: Array, dt) -> tuple:
    r"""The dtype of the weights, $\Delta t^\alpha$ and the shape that puts the memory axis
    in front of `alpha`'s."""
    dtype = jnp.result_type(alpha, float)
    return dtype, jnp.asarray(dt, dtype) ** alpha, (-1,) + (1,) * alpha.ndim


class CaputoEuler(AbstractFDEMethod):
    r"""The explicit fractional Euler (product-rectangle) rule for the Caputo derivative,

    $$y_{n+1} = y_0 + \frac{\Delta t^\alpha}{\Gamma(\alpha+1)}\sum_{j=0}^{n}
    \big[(n+1-j)^\alpha - (n-j)^\alpha\big] f_j , \qquad f_j = f(t_j, y_j).$$

    It is evaluated in the equivalent difference form $y_{n+1} = y_n +
    \frac{\Delta t^\alpha}{\Gamma(\alpha+1)} \sum_{k=0}^{n} a_k f_{n-k}$, $a_0 = 1$,
    $a_k = w_k - w_{k-1}$, $w_k = (k+1)^\alpha - k^\alpha$; the memory holds
    $f_n, \dots, f_{n-L+1}$, and truncation drops the lags $k \ge L$ of this sum (weights
    $\sim k^{\alpha-2}$). First order, also near $t_0$ where $y \sim y_0 + c\,t^\alpha$:
    its first step is exact to $O(\Delta t^{2\alpha})$. It remembers past $f$ values only,
    so a reset ([`dynax.integrate.FDEStepper`][]`.reset`) is carried forward by the
    difference form but not seen by the memory. Name: `"caputo_euler"`.

    **Arguments:** `num_memory`: the length $L$ of the memory (steps), a positive int;
    default 1000.

    ??? cite "References"

        Diethelm, K., Ford, N. J., & Freed, A. D. (2002). A predictor–corrector approach
        for the numerical solution of fractional differential equations. *Nonlinear
        Dynamics*, 29, 3–22.

        Diethelm, K., Ford, N. J., & Freed, A. D. (2004). Detailed error analysis for a
        fractional Adams method. *Numerical Algorithms*, 36, 31–52.
    """

    num_memory: int = eqx.field(static=True)

    def __init__(self, num_memory: int = 1000):
        self.num_memory = _check_num_memory(num_memory)

    def order(self) -> float:
        return 1.0

    def fde_step(self, f, alpha, state, t, dt, args):
        dtype, scale, shape = _scale(alpha, dt)
        fy = f(t, state.y, args)
        # Difference of consecutive rectangle sums: a_0 = 1, a_k = w_k - w_{k-1}.
        k = jnp.arange(self.num_memory + 1, dtype=dtype).reshape(shape)
        kpow = k**alpha
        w = kpow[1:] - kpow[:-1]
        a = jnp.concatenate([w[:1], w[1:] - w[:-1]])
        coef = scale / gamma(alpha + 1)
        history = jax.tree.map(_push, state.history, fy)
        y = jax.tree.map(
            lambda y, h: y + (coef * _weighted_sum(a, h)).astype(y.dtype), state.y, history
        )
        return FDEState(y=y, y0=state.y0, history=history, n=state.n + 1)

    def fde_reset(self, state, y, y0, first):
        return state.history


class CaputoL1(AbstractFDEMethod):
    r"""The L1 discretisation of the Caputo derivative with $f$ explicit,

    $$y_{n+1} = y_n + \Gamma(2-\alpha)\Delta t^\alpha f_n - \sum_{k=1}^{n} b_k
    (y_{n+1-k} - y_{n-k}), \qquad b_k = (k+1)^{1-\alpha} - k^{1-\alpha}.$$

    The memory holds the increments $y_n - y_{n-1}, \dots$, and truncation keeps
    $k \le L$. First order at a fixed $t > t_0$; its first step has $\Gamma(2-\alpha)$ in
    place of $1/\Gamma(1+\alpha)$, an $O(\Delta t^\alpha)$ error at the first grid points
    where $y \sim y_0 + c\,t^\alpha$. A reset is recorded in the newest increment, so the
    jump keeps acting on later steps through the weights $b_k$. Name: `"caputo_l1"`, the
    default of [`dynax.integrate.fdeint`][].

    **Arguments:** `num_memory`: the length $L$ of the memory (steps), a positive int;
    default 1000.

    ??? cite "References"

        Lin, Y., & Xu, C. (2007). Finite difference/spectral approximations for the
        time-fractional diffusion equation. *Journal of Computational Physics*, 225(2),
        1533–1552.

        Sun, Z., & Wu, X. (2006). A fully discrete difference scheme for a diffusion-wave
        system. *Applied Numerical Mathematics*, 56(2), 193–209.
    """

    num_memory: int = eqx.field(static=True)

    def __init__(self, num_memory: int = 1000):
        self.num_memory = _check_num_memory(num_memory)

    def order(self) -> float:
        return 1.0

    def fde_step(self, f, alpha, state, t, dt, args):
        dtype, scale, shape = _scale(alpha, dt)
        fy = f(t, state.y, args)
        k = jnp.arange(1, self.num_memory + 2, dtype=dtype).reshape(shape)
        kpow = k ** (1 - alpha)
        b = kpow[1:] - kpow[:-1]  # b_1 ... b_L
        # Gamma(2 - alpha) as Gamma(3 - alpha) / (2 - alpha): exactly 1 at alpha = 1 in f32.
        coef = scale * gamma(3 - alpha) / (2 - alpha)

        def l1(y, fy, h):
            return y + (coef * fy - _weighted_sum(b, h)).astype(y.dtype)

        y = jax.tree.map(l1, state.y, fy, state.history)
        history = jax.tree.map(lambda h, new, old: _push(h, new - old), state.history, y, state.y)
        return FDEState(y=y, y0=state.y0, history=history, n=state.n + 1)

    def fde_reset(self, state, y, y0, first):
        return jax.tree.map(
            lambda h, new, old: h.at[0].add(jnp.where(first, 0, new - old)),
            state.history,
            y,
            state.y,
        )


class GrunwaldLetnikov(AbstractFDEMethod):
    r"""Grünwald–Letnikov for the Caputo derivative, with Podlubny's short memory:

    $$y_{n+1} = y_0 + \Delta t^\alpha f_n - \sum_{j=1}^{\min(n+1, L)} c_j
    (y_{n+1-j} - y_0), \qquad c_0 = 1,\; c_j = \Big(1 - \frac{1+\alpha}{j}\Big)c_{j-1}.$$

    The memory holds $y_n - y_0, \dots, y_{n-L+1} - y_0$ and truncation (short memory
    with the anchor $y_0$ kept) drops $j > L$. First order at a fixed $t > t_0$; like
    L1, $O(\Delta t^\alpha)$ at the first grid points (its first step has $1$ in place
    of $1/\Gamma(1+\alpha)$). A reset is recorded in the newest deviation $y_n - y_0$.
    Name: `"gl_short_memory"`.

    **Arguments:** `num_memory`: the length $L$ of the memory (steps), a positive int;
    default 1000.

    ??? cite "References"

        Podlubny, I. (1999). *Fractional Differential Equations*. Academic Press
        (chapter 7: the Grünwald–Letnikov approximation and the short-memory principle).
    """

    num_memory: int = eqx.field(static=True)

    def __init__(self, num_memory: int = 1000):
        self.num_memory = _check_num_memory(num_memory)

    def order(self) -> float:
        return 1.0

    def fde_step(self, f, alpha, state, t, dt, args):
        dtype, scale, shape = _scale(alpha, dt)
        fy = f(t, state.y, args)
        j = jnp.arange(1, self.num_memory + 1, dtype=dtype).reshape(shape)
        c = jnp.cumprod(1 - (1 + alpha) / j, axis=0)  # c_1 ... c_L

        def gl(y0, fy, h):
            return y0 + (scale * fy - _weighted_sum(c, h)).astype(y0.dtype)

        y = jax.tree.map(gl, state.y0, fy, state.history)
        history = jax.tree.map(lambda h, new, y0: _push(h, new - y0), state.history, y, state.y0)
        return FDEState(y=y, y0=state.y0, history=history, n=state.n + 1)

    def fde_reset(self, state, y, y0, first):
        return jax.tree.map(lambda h, new, y0: h.at[0].set(new - y0), state.history, y, y0)


class FDEStepper(AbstractStepper):
    r"""One step of a Caputo fractional ODE $D^\alpha y = f(t, y, \text{args})$ with an
    [`dynax.integrate.AbstractFDEMethod`][]; build it with [`dynax.integrate.fdeint`][].

    `init(y0)` gives an [`dynax.integrate.FDEState`][] and `stepper(state, t, dt, args)`
    advances it from $t_n = t$ to $t_{n+1} = t + dt$ (t, dt in ms). The step is pure and
    jit-able, and costs $O(L)$ time and memory per element of `y` for a memory of
    $L$ = `method.num_memory` steps. `dt` must be the same at every step of a run: the
    weights of the memory assume a uniform grid.
    """

    f: Callable
    alpha: Float[Array, "..."]
    method: AbstractFDEMethod

    def __init__(self, f: Callable, alpha: ArrayLike, method: AbstractFDEMethod):
        if not isinstance(method, AbstractFDEMethod):
            raise ValueError(
                f"method must be a fractional method (CaputoEuler(), CaputoL1(), "
                f"GrunwaldLetnikov()); got {method!r}. fdeint also takes their names."
            )
        if not callable(f):
            raise ValueError(f"f must be callable as f(t, y, args), got f={f!r}.")
        arr = jnp.asarray(alpha)
        if not jnp.issubdtype(arr.dtype, jnp.floating):
            arr = arr.astype(jnp.result_type(float))
        _check_alpha(arr, alpha)
        self.f = f
        self.alpha = arr
        self.method = method

    def init(self, y0: PyTree[ArrayLike]) -> FDEState:
        """Start a run at $y_0$ = `y0` (any pytree of float arrays) with an empty memory.

        Also the way to *restart* from a new initial value, forgetting the past.
        """

        def as_float(x):
            x = jnp.asarray(x)
            return x if jnp.issubdtype(x.dtype, jnp.floating) else x.astype(float)

        y0 = jax.tree.map(as_float, y0)
        num_memory = self.method.num_memory
        history = jax.tree.map(lambda x: jnp.zeros((num_memory,) + x.shape, x.dtype), y0)
        return FDEState(y=y0, y0=y0, history=history, n=jnp.zeros((), jnp.int32))

    def value(self, state: FDEState) -> PyTree[Array]:
        """The current $y_n$."""
        return state.y

    def __call__(self, state: FDEState, t, dt, args=None, key=None) -> FDEState:
        """Advance `state` from `t` to `t + dt` (ms); `args` is passed to `f`."""
        if key is not None:
            raise ValueError("key is only used by a stochastic equation (sdeint, ddeint).")
        check_dt(dt)
        return self.method.fde_step(self.f, self.alpha, state, t, dt, args)

    def reset(self, state: FDEState, y: PyTree[ArrayLike]) -> FDEState:
        """Replace the newest value $y_n$ by `y` (a discontinuous reset), keeping the memory.

        The jump becomes part of the trajectory the memory remembers:
        [`dynax.integrate.CaputoL1`][] records it in its newest increment $y_n - y_{n-1}$
        and [`dynax.integrate.GrunwaldLetnikov`][] in its newest deviation $y_n - y_0$, so
        the jump keeps acting on later steps through the memory weights;
        [`dynax.integrate.CaputoEuler`][] remembers past $f$ values only, so the jump is
        simply carried forward by its difference form. Where `y` equals `state.y` (e.g. a
        reset masked with `jnp.where`) nothing changes. On a state that has not stepped
        yet (`n == 0`) this is `init(y)`. To forget the past instead, call `init(y)`.
        """
        y = jax.tree.map(lambda new, old: jnp.asarray(new, old.dtype), y, state.y)
        # Before the first step the memory is empty: the new value is the new y0.
        first = state.n == 0
        y0 = jax.tree.map(lambda new, y0: jnp.where(first, new, y0), y, state.y0)
        history = self.method.fde_reset(state, y, y0, first)
        return FDEState(y=y, y0=y0, history=history, n=state.n)


def fdeint(
    f: Callable,
    alpha: ArrayLike,
    method: AbstractMethod | str = "caputo_l1",
    num_memory: int | None = None,
) -> FDEStepper:
    r"""A stepper for the Caputo fractional ODE $D^\alpha y = f(t, y, \text{args})$,
    $0 < \alpha \le 1$, on a uniform grid $t_n = t_0 + n\,\Delta t$ (ms).

    The Caputo derivative $D^\alpha y(t) = \frac{1}{\Gamma(1-\alpha)}\int_{t_0}^t
    (t-s)^{-\alpha} y'(s)\,ds$ remembers the whole past, so each method keeps a *bounded*
    history of $L$ = `num_memory` steps in its [`dynax.integrate.FDEState`][] (newest
    first): memory and cost per step are $O(L)$, not $O(n)$. For the first $L$ steps the
    schemes are applied exactly; beyond that the oldest terms are dropped (the
    short-memory principle, a memory of $L\,\Delta t$ ms), as stated for each method. At
    $\alpha = 1$ every method is explicit Euler, $y_{n+1} = y_n + \Delta t\, f(t_n, y_n)$,
    whatever $L$. The methods ([`dynax.integrate.AbstractFDEMethod`][]), all first order
    at a fixed $t > t_0$, with their formulas on their pages:

    - [`dynax.integrate.CaputoEuler`][] (`"caputo_euler"`): the explicit
      product-rectangle (fractional Euler) rule; first order near $t_0$ too.
    - [`dynax.integrate.CaputoL1`][] (`"caputo_l1"`, the default): the L1 discretisation
      of the Caputo derivative; $O(\Delta t^\alpha)$ at the first grid points.
    - [`dynax.integrate.GrunwaldLetnikov`][] (`"gl_short_memory"`): Grünwald–Letnikov
      with Podlubny's short memory; $O(\Delta t^\alpha)$ at the first grid points.

    The default is `CaputoL1`: the L1 scheme is the discretisation of the Caputo
    derivative used for fractional neuron models (Teka et al. 2014), and its memory of
    increments $y_j - y_{j-1}$ records a spike reset (`stepper.reset`) as the jump it is,
    so the Caputo derivative keeps seeing the reset trajectory. `CaputoEuler` is more
    accurate in the first steps after $t_0$ but its memory holds only past $f$ values, so
    it does not remember resets; `GrunwaldLetnikov` remembers them too, anchored at $y_0$.

    The dropped weights decay only like a power of the lag, so truncation errors fall
    off slowly with $L$ (on $D^{0.6}y = -y$ over 128 steps, keeping 64 of them still
    changes $y$ by 0.03–0.09 for $y \approx 0.16$): choose $L\,\Delta t$ longer than the
    time scales that matter. The orders are measured on $D^\alpha y = -y$ against the
    Mittag-Leffler solution ($\alpha = 0.5, 0.8$, full memory).

    A discontinuous reset (a spike) is applied with `stepper.reset(state, y)`, which
    keeps the memory, or `stepper.init(y)`, which forgets it.

    **Arguments:**

    - `f`: the right-hand side `f(t, y, args)` (units of `y` per ms$^\alpha$), returning
      a pytree shaped like `y`.
    - `alpha`: the order $\alpha \in (0, 1]$; a scalar or an array broadcasting against
      each leaf of `y` (e.g. one order per neuron). It is an array field, so it can be
      vmapped over and differentiated.
    - `method`: an [`dynax.integrate.AbstractFDEMethod`][] (`CaputoL1(num_memory=500)`,
      ...) or its name (`"caputo_euler"`, `"caputo_l1"` (default), `"gl_short_memory"`;
      see [`dynax.integrate.METHODS`][]).
    - `num_memory`: with a method name only, the length $L$ of the memory (steps), a
      positive int; default 1000. A method object carries its own `num_memory`: set it
      there (`CaputoL1(num_memory=500)`); given with an object this raises.

    **Returns:** an [`dynax.integrate.FDEStepper`][] with `init(y0) -> FDEState`,
    `__call__(state, t, dt, args) -> FDEState` and `reset(state, y) -> FDEState`.

    ??? cite "References"

        Teka, W., Marinov, T. M., & Santamaria, F. (2014). Neuronal spike timing
        adaptation described with a fractional leaky integrate-and-fire model. *PLoS
        Computational Biology*, 10(3), e1003526.

        The methods' own references are on their pages.
    """
    from ._names import resolve_method

    if num_memory is not None and not isinstance(method, str):
        cls = type(method).__name__ if isinstance(method, AbstractFDEMethod) else "CaputoL1"
        raise ValueError(
            f"num_memory applies to a method given by name; set it on the method object "
            f"instead, e.g. dx.integrate.{cls}(num_memory={num_memory!r}), got "
            f"method={method!r}."
        )
    resolved = resolve_method(method, AbstractFDEMethod, "fdeint")
    if num_memory is not None:
        resolved = dataclasses.replace(resolved, num_memory=num_memory)
    return FDEStepper(f, alpha, method=resolved)
