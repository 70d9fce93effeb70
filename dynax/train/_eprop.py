"""e-prop (Bellec et al. 2020): gradients of a recurrent spiking network from eligibility
traces computed forward in time and a learning signal broadcast from the readout, with
memory independent of the length of the sequence."""

from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import optax

from .._custom_types import Array, ArrayLike, Float, Int, PRNGKeyArray
from .._system import Context
from ..networks import SpikingRNN
from ._fit import trainable_filter

LOSSES = ("mse", "cross_entropy")
"""The losses `eprop_gradients` knows (it needs their derivative in the readout)."""


def _weights(model: SpikingRNN) -> tuple:
    return model.weights()


def _split_hidden(neuron_state: Any, spikes: Array) -> tuple[list[Array], Any]:
    """The floating-point leaves of a neuron state other than its spikes (the hidden
    variables the eligibility traces follow, e.g. `v` and `a`), and the rest."""
    hidden, rest = eqx.partition(
        neuron_state, lambda x: eqx.is_inexact_array(x) and x is not spikes
    )
    return jtu.tree_leaves(hidden), (jtu.tree_structure(hidden), rest)


def _check_loss(loss: str) -> str:
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got loss={loss!r}.")
    return loss


def eprop_gradients(
    model: SpikingRNN,
    inputs: Float[ArrayLike, "batch n_steps n_in"],
    targets: Float[ArrayLike, "batch n_steps n_out"]
    | Int[ArrayLike, " batch"]
    | Int[ArrayLike, "batch n_steps"],
    *,
    dt: float,
    loss: str = "mse",
    mask: ArrayLike | None = None,
    feedback: Float[ArrayLike, "n_rec n_out"] | None = None,
    trainable: Callable[[Any], Any] | None = None,
    key: PRNGKeyArray | None = None,
) -> tuple[Float[Array, ""], Any, dict[str, Array]]:
    r"""The loss of `model` on a batch of trials and its e-prop gradients (Bellec et al.
    2020), computed online in one forward `jax.lax.scan` per trial.

    e-prop factorises the gradient of the loss $E$ with respect to a weight $W_{ij}$
    from $i$ to neuron $j$ into a learning signal and an eligibility trace,
    $\frac{dE}{dW_{ij}} \approx \sum_t L_j^t\, \bar e_{ij}^t$:

    - The **eligibility trace** $e_{ij}^t = dz_j^t/dW_{ij}$ is the derivative of neuron
      $j$'s spike through its own dynamics, with the spikes of the other neurons held
      fixed. With $h_j$ the neuron's hidden variables (the floating-point fields of its
      state other than `spike`: $v$ for `LIF`, $(v, a)$ for `ALIF`) and $I_j$ its input
      current, the traces $\epsilon_{ij}^t = dh_j^t/dW_{ij}$ run forward,
      $$\epsilon_{ij}^t = \frac{\partial h_j^t}{\partial h_j^{t-1}}\,\epsilon_{ij}^{t-1}
      + \frac{\partial h_j^t}{\partial I_j^t}\, p_i^t, \qquad
      e_{ij}^t = \frac{\partial z_j^t}{\partial h_j^{t-1}}\,\epsilon_{ij}^{t-1}
      + \frac{\partial z_j^t}{\partial I_j^t}\, p_i^t,$$
      where $p_i^t$ is the presynaptic input ($x_i^t$ for `W_in`, $z_i^{t-1}$ for
      `W_rec`). The partial derivatives are those of the neuron's own `step`, taken by
      forward-mode differentiation (`jax.linearize`), so the pseudo-derivative
      $\psi = \partial z/\partial v$ is the neuron's surrogate (`spike_fn`, which must
      be an `AbstractSurrogate`); for `ALIF` the $a$ row gives Bellec et al.'s
      adaptation trace $\epsilon_a$ and $\partial z/\partial a = -\beta\psi$. Unlike
      Bellec et al., who drop the derivative of the reset, the traces follow the reset
      exactly as the model computes it (for a soft reset, $-\psi\,(v_\text{th} -
      v_\text{reset})$), so that they differentiate the same model as `jax.grad`.
    - The **learning signal** is $L_j^t = \sum_k B_{jk}\, \partial E/\partial y_k^t$, the
      error of the readout at step $t$ sent back through $B = W_\text{out}$ (symmetric
      e-prop) or a fixed random `feedback` matrix (random e-prop). Because the readout
      leaks, $y^t = \kappa y^{t-1} + z^t W_\text{out} + b$, the trace is filtered the
      same way, $\bar e^t = \kappa \bar e^{t-1} + e^t$: then $\sum_t L^t \bar e^t$
      carries each spike's effect on all later readouts.

    The output weights and bias get their exact gradients,
    $\sum_t \bar z_j^t\, \partial E/\partial y_k^t$ and
    $\sum_t \bar 1^t\, \partial E/\partial y_k^t$ (with $\bar z$, $\bar 1$ filtered by
    $\kappa$ like the readout).

    **When it is exact.** Without recurrent weights ($W_\text{rec} = 0$) and with
    symmetric feedback, the only path from a spike $z_j^t$ to the loss outside neuron
    $j$'s own dynamics is the readout, so $\sum_{t' \ge t} \kappa^{t'-t} L_j^{t'}$ is
    the exact $\partial E/\partial z_j^t$ and e-prop equals backpropagation through time
    (`tests/train/test_eprop.py` checks this against `jax.grad`). With recurrent
    weights it leaves out the effect of a spike on the loss through the other neurons'
    later activity, which BPTT includes.

    The loss is a mean over the scored steps: with the weights $m_{bt}$ of `mask`,
    $E = \sum_{b,t} m_{bt}\, \ell(y_b^t, y_b^{*t}) / \sum_{b,t} m_{bt}$, where $\ell$ is
    the mean squared error over the outputs (`loss="mse"`, as
    [`dynax.train.mse`][]) or the cross-entropy of $\mathrm{softmax}(y^t)$ against an
    integer label (`loss="cross_entropy"`, as [`dynax.train.cross_entropy`][]).

    The memory is that of the traces, $O(B (n_\text{in} + n_\text{rec}) n_\text{rec}
    d)$ for $d$ hidden variables per neuron, whatever the number of steps; each step
    costs $O((n_\text{in} + n_\text{rec}) n_\text{rec} d^2)$.

    **Arguments:**

    - `model`: a [`dynax.networks.SpikingRNN`][] whose neuron has a surrogate spike
      function.
    - `inputs`: `(batch, n_steps, n_in)`.
    - `targets`: for `"mse"`, `(batch, n_steps, n_out)`; for `"cross_entropy"`, integer
      labels `(batch,)` (one per trial) or `(batch, n_steps)`.
    - `dt`: time step (ms).
    - `loss`: `"mse"` or `"cross_entropy"`.
    - `mask`: weights of the steps in the loss, `(n_steps,)` or `(batch, n_steps)` (e.g.
      the recall period of a task's `Trials.mask`); default every step.
    - `feedback`: the feedback matrix $B$ `(n_rec, n_out)` for random e-prop (draw it
      once and keep it); `None` for symmetric e-prop ($B = W_\text{out}$).
    - `trainable`: which weights to return gradients for, a function of the model as
      in [`dynax.train.make_step`][]; default all of `W_in`, `W_rec`, `W_out` and
      `b_out` (only these can be chosen).
    - `key`: PRNG key for the initial states (`model.init(key_b)` for trial `b`) and a
      noisy neuron; `None` when neither is random.

    **Returns:** `(loss, grads, aux)`: the loss $E$; the gradients as a pytree shaped
    like `eqx.filter(model, dx.train.trainable_filter(model, trainable))` (what
    `optimiser.update` takes for the state of
    `dx.train.init_optimiser(optimiser, model, trainable)`); and `aux`, a dict with
    `"rate"` (the mean firing rate, Hz) and, for `"cross_entropy"`, `"accuracy"` (the
    fraction of trials whose largest mask-weighted mean readout is at the label).

    ??? cite "Reference"

        Bellec, G., Scherr, F., Subramoney, A., Hajek, E., Salaj, D., Legenstein, R., &
        Maass, W. (2020). A solution to the learning dilemma for recurrent networks of
        spiking neurons. *Nature Communications*, 11, 3625.
    """
    if not isinstance(model, SpikingRNN):
        raise TypeError(
            f"eprop_gradients needs a dx.networks.SpikingRNN, got {type(model).__name__}."
        )
    loss = _check_loss(loss)
    spec = trainable_filter(model, trainable or _weights)
    weight_spec = trainable_filter(model, _weights)
    if any(s and not w for s, w in zip(jtu.tree_leaves(spec), jtu.tree_leaves(weight_spec))):
        raise ValueError(
            "e-prop computes gradients of W_in, W_rec, W_out and b_out only; trainable "
            "selects other leaves of the model."
        )
    dtype = model.W_in.dtype
    inputs = jnp.asarray(inputs, dtype)
    if inputs.ndim != 3 or inputs.shape[2] != model.n_in:
        raise ValueError(
            f"inputs must have shape (batch, n_steps, {model.n_in}), got {inputs.shape}."
        )
    batch, n_steps = inputs.shape[:2]
    targets = jnp.asarray(targets)
    if loss == "mse":
        if targets.shape != (batch, n_steps, model.n_out):
            raise ValueError(
                f"targets for loss='mse' must have shape ({batch}, {n_steps}, {model.n_out}), "
                f"got {targets.shape}."
            )
        targets = targets.astype(dtype)
    else:
        if not jnp.issubdtype(targets.dtype, jnp.integer):
            raise TypeError(
                f"labels must be integers for loss='cross_entropy', got {targets.dtype}."
            )
        if targets.shape == (batch,):
            targets = jnp.broadcast_to(targets[:, None], (batch, n_steps))
        if targets.shape != (batch, n_steps):
            raise ValueError(
                f"labels must have shape ({batch},) or ({batch}, {n_steps}), got {targets.shape}."
            )
    weights = jnp.ones((), dtype) if mask is None else jnp.asarray(mask, dtype)
    if weights.shape not in ((), (n_steps,), (batch, n_steps)):
        raise ValueError(
            f"mask must have shape ({n_steps},) or ({batch}, {n_steps}), got {weights.shape}."
        )
    B = model.W_out if feedback is None else jnp.asarray(feedback, dtype)
    if B.shape != model.W_out.shape:
        raise ValueError(
            f"feedback must have shape {model.W_out.shape} (that of W_out), got {B.shape}."
        )
    value, grads, aux = _gradients(model, inputs, targets, weights, B, dt, loss, key)
    return value, eqx.filter(grads, spec), aux


@eqx.filter_jit
def _gradients(model, inputs, targets, weights, B, dt, loss, key):
    """The batch's loss, gradients (a model-shaped pytree) and metrics, compiled once per
    shape."""
    batch, n_steps = inputs.shape[:2]
    weights = jnp.broadcast_to(weights, (batch, n_steps))
    weights = weights / jnp.maximum(jnp.sum(weights), 1e-30)
    if key is None:
        trial = lambda x, y, w: _trial(model, x, y, w, B, dt, loss, None)  # noqa: E731
        out = jax.vmap(trial)(inputs, targets, weights)
    else:
        keyed = lambda x, y, w, k: _trial(model, x, y, w, B, dt, loss, k)  # noqa: E731
        out = jax.vmap(keyed)(inputs, targets, weights, jax.random.split(key, batch))
    value, grads, n_spikes, correct = jtu.tree_map(lambda g: jnp.sum(g, axis=0), out)
    grads = eqx.tree_at(_weights, model, grads)
    aux = {"rate": n_spikes / (batch * n_steps * model.n_rec * dt) * 1000.0}
    if loss == "cross_entropy":
        aux["accuracy"] = correct / batch
    return value, grads, aux


def _trial(model, x, target, w, B, dt, loss, key):
    """One trial: the forward run with the traces; returns this trial's share of the
    loss, of the gradients, its spike count and whether its answer is right."""
    neuron = model.neuron
    state0 = model.init(key)
    kappa = model.kappa(dt)
    dtype = model.W_in.dtype
    z0 = neuron.spikes(state0.neuron)
    if z0.dtype == jnp.bool_:
        raise ValueError(
            "e-prop needs the neuron's pseudo-derivative: give it a surrogate spike "
            "function (e.g. spike_fn=dx.surrogate.ReluGrad()), not Heaviside()."
        )
    hidden0, _ = _split_hidden(state0.neuron, z0)
    d, n = len(hidden0), model.n_rec
    if any(h.shape != (n,) for h in hidden0):
        raise ValueError(
            "e-prop needs a neuron whose state's floating-point fields all have shape "
            f"(n_rec,) = ({n},); got shapes {[h.shape for h in hidden0]}."
        )
    W_rec = model.recurrent_weights()

    def neuron_step(state, ctx):
        """The step of neuron `state`'s hidden variables `(d, n)` and input current,
        returning the new hidden variables `(d, n)`, the spikes and the new state."""

        def f(H, I):
            z = neuron.spikes(state)
            _, (tree, rest) = _split_hidden(state, z)
            full = eqx.combine(jtu.tree_unflatten(tree, list(H)), rest)
            new = neuron.step(full, I, ctx)
            z_new = neuron.spikes(new)
            H_new, _ = _split_hidden(new, z_new)
            return (jnp.stack(H_new) if d else jnp.zeros((0, n), dtype), z_new), new

        return f

    def body(carry, inp):
        (state, eps_in, eps_rec, ebar_in, ebar_rec, zbar, bbar, g_in, g_rec, g_out, g_b,
         value, n_spikes, y_sum) = carry  # fmt: skip
        x_t, target_t, w_t, i = inp
        ctx = Context(i * dt, dt, i, None if key is None else jax.random.fold_in(key, i))
        z_prev = neuron.spikes(state.neuron).astype(dtype)
        current = x_t @ model.W_in + z_prev @ W_rec
        f = neuron_step(state.neuron, ctx)
        H0, _ = _split_hidden(state.neuron, neuron.spikes(state.neuron))
        H0 = jnp.stack(H0) if d else jnp.zeros((0, n), dtype)
        (_, z), f_lin, new_neuron = jax.linearize(lambda H, I: f(H, I), H0, current, has_aux=True)
        # Columns of the per-neuron Jacobians: one tangent per hidden variable, one for I.
        t_H = jnp.concatenate([jnp.eye(d, dtype=dtype)[:, :, None] * jnp.ones(n, dtype),
                               jnp.zeros((1, d, n), dtype)])  # fmt: skip
        t_I = jnp.concatenate([jnp.zeros((d, n), dtype), jnp.ones((1, n), dtype)])
        dH, dz = jax.vmap(f_lin)(t_H, t_I)  # (d + 1, d, n), (d + 1, n)
        z = z.astype(dtype)

        def advance(eps, pre):
            # eps: (n_pre, n, d) = dh_j/dW_ij; returns the new eps and e = dz_j/dW_ij.
            e = sum(dz[b] * eps[..., b] for b in range(d)) + dz[d] * pre[:, None]
            new = [
                sum(dH[b, a] * eps[..., b] for b in range(d)) + dH[d, a] * pre[:, None]
                for a in range(d)
            ]
            return (jnp.stack(new, axis=-1) if d else eps), e

        eps_in, e_in = advance(eps_in, x_t)
        eps_rec, e_rec = advance(eps_rec, z_prev)
        out = model.readout(state.out, z, dt)
        # dE/dy at this step, weighted by the step's share of the loss.
        if loss == "mse":
            err = out - target_t
            value = value + w_t * jnp.mean(err**2)
            delta = w_t * 2 * err / model.n_out
        else:
            log_p = jax.nn.log_softmax(out)
            value = value - w_t * log_p[target_t]
            delta = w_t * (jnp.exp(log_p) - jax.nn.one_hot(target_t, model.n_out, dtype=dtype))
        signal = B @ delta  # (n,)
        ebar_in = kappa * ebar_in + e_in
        ebar_rec = kappa * ebar_rec + e_rec
        zbar = kappa * zbar + z
        bbar = kappa * bbar + 1
        g_in = g_in + ebar_in * signal
        g_rec = g_rec + ebar_rec * signal
        g_out = g_out + jnp.outer(zbar, delta)
        g_b = g_b + bbar * delta
        new_state = type(state)(new_neuron, out)
        carry = (new_state, eps_in, eps_rec, ebar_in, ebar_rec, zbar, bbar, g_in, g_rec,
                 g_out, g_b, value, n_spikes + jnp.sum(z), y_sum + w_t * out)  # fmt: skip
        return carry, None

    zeros = lambda *shape: jnp.zeros(shape, dtype)  # noqa: E731
    n_in, n_out = model.n_in, model.n_out
    carry = (state0, zeros(n_in, n, d), zeros(n, n, d), zeros(n_in, n), zeros(n, n), zeros(n),
             zeros(), zeros(n_in, n), zeros(n, n), zeros(n, n_out), zeros(n_out), zeros(),
             zeros(), zeros(n_out))  # fmt: skip
    steps = jnp.arange(x.shape[0])
    carry, _ = jax.lax.scan(body, carry, (x, target, w, steps))
    g_in, g_rec, g_out, g_b, value, n_spikes, y_sum = carry[7:]
    g_rec = g_rec * (1 - jnp.eye(n, dtype=dtype))
    grads = (g_in, g_rec, g_out) if model.b_out is None else (g_in, g_rec, g_out, g_b)
    correct = jnp.asarray(0.0, dtype)
    if loss == "cross_entropy":
        correct = (jnp.argmax(y_sum) == target[-1]).astype(dtype)
    return value, grads, n_spikes, correct


def make_eprop_step(
    optimiser: optax.GradientTransformation,
    *,
    dt: float,
    loss: str = "mse",
    feedback: Float[ArrayLike, "n_rec n_out"] | None = None,
    trainable: Callable[[Any], Any] | None = None,
) -> Callable[..., tuple[Any, optax.OptState, Array, dict]]:
    """One e-prop training step as one compiled function, with the signature of
    [`dynax.train.make_step`][]'s: `model, opt_state, loss, aux = step(model,
    opt_state, batch, key)`, where `batch` is `(inputs, targets)` or
    `(inputs, targets, mask)` (e.g. a task's `Trials` as `(trials.inputs,
    trials.labels, trials.mask)`) and the gradients are
    [`dynax.train.eprop_gradients`][]'s. `opt_state` comes from
    `dx.train.init_optimiser(optimiser, model, trainable)` with the same `trainable`
    (`None`: `lambda m: (m.W_in, m.W_rec, m.W_out, m.b_out)`).

    **Arguments:** `optimiser` (any Optax gradient transformation) and `dt`, `loss`,
    `feedback`, `trainable` as for `eprop_gradients`.
    """
    _check_loss(loss)

    @eqx.filter_jit
    def step(model, opt_state, batch, key):
        inputs, targets, *rest = batch
        mask = rest[0] if rest else None
        value, grads, aux = eprop_gradients(
            model, inputs, targets, dt=dt, loss=loss, mask=mask, feedback=feedback,
            trainable=trainable, key=key,
        )  # fmt: skip
        params = eqx.filter(model, trainable_filter(model, trainable or _weights))
        updates, opt_state = optimiser.update(grads, opt_state, params)
        return eqx.apply_updates(model, updates), opt_state, value, aux

    return step
