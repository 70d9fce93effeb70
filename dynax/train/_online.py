"""Online learning rules that run inside a `jax.lax.scan`: recursive least squares (RLS),
least mean squares (LMS), and FORCE learning of a readout fed back into a rate network
(Sussillo & Abbott 2009). Their memory does not grow with the length of the run."""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._checks import check_size, concrete, param, to_float
from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray, State
from .._run import simulate
from .._system import Context, DynamicalSystem, name_key
from ._readout import Readout


class RLSState(eqx.Module):
    """State of an online linear readout: the weights `W` `(n_in, n_out)` and, for
    [`dynax.train.RLS`][], the running inverse correlation matrix `P` `(n_in, n_in)`
    (`None` for [`dynax.train.LMS`][])."""

    W: Float[Array, "n_in n_out"]
    P: Float[Array, "n_in n_in"] | None = None


def _check_sizes(x: Array, target: Array, n_in: int, n_out: int, who: str) -> None:
    if jnp.shape(x) != (n_in,) or jnp.shape(target) != (n_out,):
        raise ValueError(
            f"{who}.update takes x of shape ({n_in},) and target of shape ({n_out},), got "
            f"shapes {jnp.shape(x)} and {jnp.shape(target)} (vmap over samples to batch)."
        )


def _initial_weights(W: ArrayLike | None, n_in: int, n_out: int, dtype: Any, who: str) -> Array:
    if W is None:
        return jnp.zeros((n_in, n_out), dtype)
    W = jnp.asarray(W, dtype)
    if W.shape != (n_in, n_out):
        raise ValueError(f"{who}.init: W must have shape ({n_in}, {n_out}), got {W.shape}.")
    return W


class RLS(eqx.Module):
    r"""Recursive least squares: a linear map $y = x W$ fitted one sample at a time, with
    the exact result of a (ridge-regularised, exponentially weighted) least-squares
    fit of all samples so far.

    For each sample $(x, y^*)$, with the error of the prediction before the update
    $e = x W - y^*$:

    $$k = \frac{P x}{\lambda + x^\top P x}, \qquad
    P \leftarrow \frac{P - k\,x^\top P}{\lambda}, \qquad W \leftarrow W - k\,e ,$$

    starting from $W = 0$ and $P = I/\alpha$. With $\lambda = 1$, after the samples
    $X$ (rows $x$), $Y$, $W = (X^\top X + \alpha I)^{-1} X^\top Y$: ridge regression
    with strength $\alpha$, and the least-squares solution as $\alpha \to 0$ (started
    from $W_0$ instead, `init(W0)`, it is the ridge solution pulled towards $W_0$,
    $(X^\top X + \alpha I)^{-1}(X^\top Y + \alpha W_0)$). A
    forgetting factor $\lambda < 1$ weights a sample $s$ steps old by $\lambda^s$ (and
    the prior by $\lambda^N$), to track a drifting target. $1/\alpha$ is what
    Sussillo & Abbott (2009) call the learning rate of FORCE. Each update costs
    $O(n_\text{in}^2 + n_\text{in} n_\text{out})$ and the state
    ([`dynax.train.RLSState`][]) has a fixed size, so it runs inside a `jax.lax.scan`.

    **Arguments:**

    - `n_in`, `n_out`: sizes of the input (features) and of the output.
    - `alpha`: regularisation, $P_0 = I/\alpha$, > 0.
    - `forgetting`: $\lambda$, in $(0, 1]$ (1: no forgetting).

    ??? cite "References"

        Haykin, S. (2002). *Adaptive Filter Theory* (4th ed.), ch. 9. Prentice Hall.

        Sussillo, D., & Abbott, L. F. (2009). Generating coherent patterns of activity
        from chaotic neural networks. *Neuron*, 63(4), 544–557.
    """

    n_in: int = eqx.field(static=True)
    n_out: int = eqx.field(static=True)
    alpha: Float[Array, ""]
    forgetting: Float[Array, ""]

    def __init__(self, n_in: int, n_out: int, alpha: ArrayLike = 1.0, forgetting: ArrayLike = 1.0):
        self.n_in = check_size(n_in, "n_in")
        self.n_out = check_size(n_out, "n_out")
        self.alpha = param(alpha, "alpha", positive=True)
        self.forgetting = param(forgetting, "forgetting", positive=True)
        for name, value in (("alpha", self.alpha), ("forgetting", self.forgetting)):
            if value.shape != ():
                raise ValueError(f"RLS: {name} must be a scalar, got shape {value.shape}.")
        lam = concrete(self.forgetting)
        if lam is not None and lam > 1:
            raise ValueError(f"RLS: forgetting must be in (0, 1], got forgetting={float(lam)}.")

    def init(self, W: Float[ArrayLike, "n_in n_out"] | None = None) -> RLSState:
        """$W = 0$ (or the given `W`) and $P = I/\\alpha$."""
        dtype = self.alpha.dtype
        P = jnp.eye(self.n_in, dtype=dtype) / self.alpha
        return RLSState(_initial_weights(W, self.n_in, self.n_out, dtype, "RLS"), P)

    def predict(self, state: RLSState, x: Float[Array, " n_in"]) -> Float[Array, " n_out"]:
        """The prediction $x W$ (for `x` of shape `(..., n_in)`)."""
        return x @ state.W

    def update(
        self, state: RLSState, x: Float[Array, " n_in"], target: Float[Array, " n_out"]
    ) -> RLSState:
        """The state after the sample `(x, target)`."""
        _check_sizes(x, target, self.n_in, self.n_out, "RLS")
        assert state.P is not None
        P, W, lam = state.P, state.W, self.forgetting
        error = x @ W - target
        Px = P @ x
        k = Px / (lam + x @ Px)
        P = (P - jnp.outer(k, Px)) / lam
        # P is symmetric in exact arithmetic; rounding makes it drift away over many
        # updates (and then lose positive definiteness) unless it is symmetrised.
        P = 0.5 * (P + P.T)
        return RLSState(W - jnp.outer(k, error), P)


class LMS(eqx.Module):
    r"""Least mean squares (the Widrow–Hoff delta rule): stochastic gradient descent
    on $\frac{1}{2}|x W - y^*|^2$ one sample at a time,

    $$W \leftarrow W - \eta\, x^\top (x W - y^*),$$

    from $W = 0$. It converges (in the mean) to the least-squares solution for
    $0 < \eta < 2/\lambda_\text{max}$, $\lambda_\text{max}$ the largest eigenvalue of
    the inputs' correlation matrix $E[x^\top x]$; each update costs
    $O(n_\text{in} n_\text{out})$. Same interface as [`dynax.train.RLS`][] (its state's
    `P` is `None`).

    **Arguments:**

    - `n_in`, `n_out`: sizes of the input and of the output.
    - `lr`: the learning rate $\eta$, > 0.

    ??? cite "Reference"

        Widrow, B., & Hoff, M. E. (1960). Adaptive switching circuits. *IRE WESCON
        Convention Record*, 4, 96–104.
    """

    n_in: int = eqx.field(static=True)
    n_out: int = eqx.field(static=True)
    lr: Float[Array, ""]

    def __init__(self, n_in: int, n_out: int, lr: ArrayLike):
        self.n_in = check_size(n_in, "n_in")
        self.n_out = check_size(n_out, "n_out")
        self.lr = param(lr, "lr", positive=True)

    def init(self, W: Float[ArrayLike, "n_in n_out"] | None = None) -> RLSState:
        """$W = 0$ (or the given `W`)."""
        return RLSState(_initial_weights(W, self.n_in, self.n_out, self.lr.dtype, "LMS"))

    def predict(self, state: RLSState, x: Float[Array, " n_in"]) -> Float[Array, " n_out"]:
        """The prediction $x W$."""
        return x @ state.W

    def update(
        self, state: RLSState, x: Float[Array, " n_in"], target: Float[Array, " n_out"]
    ) -> RLSState:
        """The state after the sample `(x, target)`."""
        _check_sizes(x, target, self.n_in, self.n_out, "LMS")
        error = x @ state.W - target
        return RLSState(state.W - self.lr * jnp.outer(x, error), state.P)


# --------------------------------------------------------------------------------------
# FORCE


class ForceState(eqx.Module):
    """State of a [`dynax.train.Force`][] run: the state of the network (`model`), the
    readout's `RLSState` (`readout.W`, `readout.P`) and `out`, the readout's output of
    the last step, before that step's update (`(n_out,)`)."""

    model: State
    readout: RLSState
    out: Float[Array, " n_out"]


class Force(DynamicalSystem):
    r"""FORCE learning (Sussillo & Abbott 2009): a network whose linear readout
    $z = W^\top r$ of its rates $r$ is trained by recursive least squares while it runs,
    optionally with $z$ fed back into the network.

    In each step: the readout of the current rates $z = r W$ is the feedback; the
    network steps with the input $[u, z]$ (its external input $u$ and the feedback,
    concatenated; $u$ alone with `feedback=False`, $z$ alone when there is no external
    input); then the readout of the new rates is compared with the step's target $f$
    and, in learning steps (every `every` steps, where the step's `learn` flag is set),
    updated by [`dynax.train.RLS`][]. The error is kept small from the start (the
    "first-order reduced and controlled error" of the name): the network learns with
    its own, almost correct output fed back. The state ([`dynax.train.ForceState`][])
    has a fixed size, so the run is one `dx.simulate` scan whose memory does not grow
    with its length; [`dynax.train.force`][] runs it.

    The network is any `dx.DynamicalSystem` whose input is a vector of `n_u + n_out`
    numbers (`n_out` with no external input; `n_u` without feedback) and whose rates
    are `rates(state)` (e.g. `lambda s: jnp.tanh(s.x)`): the feedback weights
    $w_f$ of Sussillo & Abbott are then the input weights of the feedback's columns.

    **Arguments:**

    - `model`: the network.
    - `rates`: a function of the network's state returning its rates `(n_rec,)`.
    - `rls`: the [`dynax.train.RLS`][] of the readout, with `n_in = n_rec` (+ 1 with
      `bias=True`).
    - `every`: learn every `every` steps (Sussillo & Abbott update every few steps of
      the network to save time).
    - `feedback`: whether the readout is fed back into the network.
    - `bias`: whether the readout has a bias (a constant feature 1 after the rates).

    `step(state, (u, target, learn), ctx)` takes the external input `u` (`(n_u,)` or
    `None`), the target `(n_out,)` (or `None`: no learning) and `learn` (a bool).

    ??? cite "Reference"

        Sussillo, D., & Abbott, L. F. (2009). Generating coherent patterns of activity
        from chaotic neural networks. *Neuron*, 63(4), 544–557.
    """

    model: DynamicalSystem
    rls: RLS
    rates: Callable[[State], Array] = eqx.field(static=True)
    every: int = eqx.field(static=True)
    feedback: bool = eqx.field(static=True)
    bias: bool = eqx.field(static=True)

    def __init__(
        self,
        model: DynamicalSystem,
        rates: Callable[[State], Array],
        rls: RLS,
        *,
        every: int = 1,
        feedback: bool = True,
        bias: bool = False,
    ):
        if not isinstance(model, DynamicalSystem):
            raise TypeError(
                f"Force: model must be a dx.DynamicalSystem, got {type(model).__name__}."
            )
        if not callable(rates):
            raise TypeError(
                "Force: rates must be a function of the model's state, e.g. lambda s: s.r."
            )
        if not isinstance(rls, RLS):
            raise TypeError(f"Force: rls must be a dx.train.RLS, got {type(rls).__name__}.")
        self.model, self.rates, self.rls = model, rates, rls
        self.every = check_size(every, "every")
        self.feedback, self.bias = bool(feedback), bool(bias)

    def features(self, model_state: State) -> Float[Array, " n_features"]:
        """What the readout reads: the rates (and a 1 with `bias=True`)."""
        r = jnp.asarray(self.rates(model_state))
        if self.bias:
            r = jnp.concatenate([r, jnp.ones((1,), r.dtype)])
        if r.shape != (self.rls.n_in,):
            raise ValueError(
                f"Force: the readout's features have shape {r.shape}, but rls.n_in = "
                f"{self.rls.n_in} (the number of rates{', + 1 for the bias' if self.bias else ''})."
            )
        return r

    def init(self, key: PRNGKeyArray | None = None) -> ForceState:
        model = self.model.init(None if key is None else name_key(key, "model"))
        readout = self.rls.init()
        return ForceState(model, readout, self.rls.predict(readout, self.features(model)))

    def readout(self, state: ForceState) -> Readout:
        """The trained readout as a `dx.train.Readout` of the rates (its bias is the
        weight of the constant feature with `bias=True`, else 0)."""
        W = state.readout.W
        return Readout(W[:-1], W[-1]) if self.bias else Readout(W)

    def step(self, state: ForceState, input: Any, ctx: Context) -> ForceState:
        u, target, learn = input
        z = self.rls.predict(state.readout, self.features(state.model))
        if self.feedback:
            drive = z if u is None else jnp.concatenate([jnp.asarray(u, z.dtype), z])
        else:
            drive = u
        model = self.model.step(state.model, drive, ctx.child("model"))
        features = self.features(model)
        out = self.rls.predict(state.readout, features)
        readout = state.readout
        if target is not None:
            now = jnp.logical_and(jnp.asarray(learn).reshape(()), ctx.i % self.every == 0)
            readout = jax.lax.cond(
                now, lambda r: self.rls.update(r, features, target), lambda r: r, readout
            )
        return ForceState(model, readout, out)


def force(
    model: DynamicalSystem,
    targets: Float[ArrayLike, "n_steps n_out"] | None,
    *,
    dt: float,
    rates: Callable[[State], Array],
    inputs: Float[ArrayLike, "n_steps n_u"] | None = None,
    n_out: int | None = None,
    n_steps: int | None = None,
    alpha: ArrayLike = 1.0,
    forgetting: ArrayLike = 1.0,
    every: int = 1,
    feedback: bool = True,
    bias: bool = False,
    learn: bool | Bool[ArrayLike, " n_steps"] = True,
    state: ForceState | None = None,
    key: PRNGKeyArray | None = None,
    monitors: dict[str, Any] | None = None,
) -> tuple[ForceState, dict[str, Array]]:
    r"""Run `model` with a readout trained by FORCE learning (see [`dynax.train.Force`][])
    over `targets`, one `dx.simulate` scan.

    **Arguments:**

    - `model`: the network (a `dx.DynamicalSystem` whose input is `[u, z]`, see `Force`).
    - `targets`: the readout's targets, `(n_steps, n_out)`; `None` to run without
      learning (then give `n_out` and `n_steps`, or `inputs`).
    - `dt`: time step (ms).
    - `rates`: the network's rates as a function of its state.
    - `inputs`: the external input `u`, `(n_steps, n_u)`, or `None`.
    - `alpha`, `forgetting`: the [`dynax.train.RLS`][] settings ($P_0 = I/\alpha$).
    - `every`, `feedback`, `bias`: as for `Force`.
    - `learn`: learn at all (bool), or a `(n_steps,)` bool array of the steps where
      learning is on (e.g. training then testing in one run).
    - `state`: a `ForceState` to continue from (e.g. a trained one, with
      `targets=None` to test it); default the network's `init(key)` and $W = 0$.
    - `key`: PRNG key (for a noisy network or a random initial state).
    - `monitors`: extra monitors, paths into the `ForceState` (e.g. `"model.x"`).

    **Returns:** `(state, records)`: the final `ForceState` (`state.readout.W` are the
    trained weights; `Force(...).readout(state)` a `dx.train.Readout`) and the records
    of `dx.simulate`, with `records["out"]` the readout's output at every step,
    `(n_steps, n_out)`, each computed before that step's update.
    """
    if targets is not None:
        targets = to_float(targets, "targets")
        if targets.ndim != 2:
            raise ValueError(f"targets must have shape (n_steps, n_out), got {targets.shape}.")
        n_steps, n_out = targets.shape
    if inputs is not None:
        inputs = to_float(inputs, "inputs")
        if inputs.ndim != 2:
            raise ValueError(f"inputs must have shape (n_steps, n_u), got {inputs.shape}.")
        if n_steps is not None and inputs.shape[0] != n_steps:
            raise ValueError(
                f"inputs has {inputs.shape[0]} steps but targets (or n_steps) {n_steps}."
            )
        n_steps = inputs.shape[0]
    if n_steps is None or n_out is None:
        raise ValueError("force needs targets, or n_out and n_steps (or inputs) without them.")
    model_state = jax.eval_shape(model.init, key) if state is None else state.model
    (n_rates,) = jax.eval_shape(lambda s: jnp.asarray(rates(s)), model_state).shape
    rls = RLS(n_rates + int(bias), n_out, alpha, forgetting)
    trainer = Force(model, rates, rls, every=every, feedback=feedback, bias=bias)
    learn_steps = np.broadcast_to(np.asarray(learn, bool), (n_steps,)).reshape(n_steps, 1)
    # One compiled init rather than a dozen small eager operations, each compiled once.
    state = eqx.filter_jit(trainer.init)(key) if state is None else state
    return simulate(
        trainer,
        state,
        dt=dt,
        n_steps=n_steps,
        inputs=(inputs, targets, learn_steps),
        monitors={"out": "out"} | (monitors or {}),
        key=key,
    )
