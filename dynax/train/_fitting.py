"""Fitting the parameters of neuron models to voltage recordings by gradient descent
through the simulation, many neurons at once."""

from collections.abc import Callable, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
import optax

from .._custom_types import Array, ArrayLike, Bool, Float, PRNGKeyArray
from .._system import Context, check_dt
from ..neurons import AbstractNeuron
from ..surrogate import AbstractSpikeFunction, Sigmoid
from ._constraints import AbstractConstraint, Positive
from ._fitting_loss import SpikeVoltageLoss, upward_crossings


class _Imposed(AbstractSpikeFunction):
    """The recorded spike of this step, whatever the potential: a model stepped with it
    resets (and jumps its spike-triggered currents) where the recording spiked."""

    spike: Array

    def __call__(self, x: Array) -> Array:
        return jnp.broadcast_to(self.spike, jnp.shape(x))


def _as_tuple(leaves: Any) -> tuple:
    return leaves if isinstance(leaves, tuple) else (leaves,)


def _trace(
    model: AbstractNeuron,
    current: Float[Array, " n_steps"],
    *,
    dt: float,
    recording: Float[Array, " n_steps"] | None = None,
    spikes: Array | None = None,
    force_voltage: int = 0,
    key: PRNGKeyArray | None = None,
) -> tuple[Array, Array]:
    """The trace `(v, spikes)`, each `(n_steps,)`, of a one-neuron `model` driven by
    `current`; with `spikes` given, teacher-forced: the model resets at those spikes,
    and the returned spikes are the model's own predictions from the forced state (the
    steps where it would cross its threshold upwards); with
    `force_voltage=k > 0`, the recorded voltage is written into the state every `k`
    steps. Row `k` is the state at the end of step `k`, as `dx.simulate` records it."""
    imposed = spikes is not None
    n = current.shape[0]
    if force_voltage:
        if recording is None:
            raise ValueError("force_voltage needs the recording.")
        # The recorded potential at the start of step i is the record of step i - 1.
        v_start = jnp.concatenate([recording[:1], recording[:-1]])
    else:
        v_start = jnp.zeros(n, current.dtype)
    forced = jnp.zeros(n, bool) if spikes is None else spikes
    init_key, key = (None, None) if key is None else jax.random.split(key)
    state = model.init(init_key)

    def body(state, xs):
        i, current_i, v_i, spike_i = xs
        if force_voltage:
            write = (i > 0) & (i % force_voltage == 0)
            state = eqx.tree_at(lambda s: s.v, state, jnp.where(write, v_i, state.v))
        ctx = Context(t=i * dt, dt=dt, i=i, key=None if key is None else jax.random.fold_in(key, i))
        free = model.step(state, current_i, ctx)
        if imposed:
            imposed_fn = _Imposed(spike_i.astype(state.spike.dtype))  # the model's dtype
            forced_model = eqx.tree_at(lambda m: m.spike_fn, model, imposed_fn)
            state = forced_model.step(state, current_i, ctx)
        else:
            state = free
        return state, (state.v[0], free.spike[0])

    xs = (jnp.arange(n), current, v_start, forced)
    _, (v, s) = jax.lax.scan(body, state, xs)
    if imposed:
        # A forced model that would fire stays above threshold until the recording
        # resets it: it predicts one spike, where it crosses upwards, not one per step.
        before = jnp.concatenate([jnp.zeros_like(s[:1]), s[:-1]])
        s = s & ~before if s.dtype == jnp.bool_ else s * (1 - before)
    return v, s


def fit_neuron(
    model: AbstractNeuron,
    params: Callable[[Any], Any],
    current: Float[ArrayLike, "*batch n_steps"],
    recording: Float[ArrayLike, "*batch n_steps"],
    *,
    dt: float,
    optimiser: optax.GradientTransformation,
    n_updates: int,
    spikes: Bool[ArrayLike, "*batch n_steps"] | None = None,
    start: Sequence[ArrayLike] | None = None,
    loss: Callable[..., tuple[Array, dict]] | None = None,
    constraints: AbstractConstraint | Sequence[AbstractConstraint] | None = None,
    spike_fn: AbstractSpikeFunction | None = None,
    force_spikes: bool = True,
    force_voltage: float | None = None,
    v_th: float = 0.0,
    key: PRNGKeyArray | None = None,
    progress: bool = False,
) -> tuple[Any, dict[str, np.ndarray]]:
    r"""Fit parameters of a neuron model to voltage recordings by gradient descent
    through the simulation, one neuron per recording, all in one `jax.vmap`.

    Each update simulates the model under the injected current, compares its trace with
    the recording by `loss` (by default [`dynax.train.SpikeVoltageLoss`][]: van Rossum
    distance of the spikes plus the voltage error away from spikes), differentiates
    through the whole simulation (`jax.value_and_grad` of a `lax.scan`; the spikes pass
    gradients through the surrogate `spike_fn`) and lets `optimiser` (any Optax
    transformation) update the fitted parameters. The parameters are fitted as
    unconstrained variables through `constraints` (by default `dx.train.Positive()`,
    $p = e^u$). The neurons of a batch are independent: each has its own parameters
    and its own optimiser state (the update is `jax.vmap`-ed, not the loss summed), so a
    batch gives what fitting them one by one gives, whatever the optimiser.

    **Teacher forcing.** Spike times are discontinuous functions of the parameters: a
    freely running model whose first spike comes a step late differs from the recording
    for the rest of the trace, and the voltage error jumps with every spike gained or
    lost. With `force_spikes=True` (the default) the model is stepped with the
    *recorded* spikes imposed (an integrate-and-fire model resets and jumps its
    spike-triggered currents where the recording spiked), so that its voltage is a
    smooth function of the subthreshold parameters, the approach of Pozzorini et al.
    (2015); the spikes compared with the recording are the model's own predictions at
    each step from that forced state (its `spike_fn` applied as usual), counted where
    it would cross its threshold upwards (a model above threshold until the recorded
    reset predicts one spike, not one per step). Each step then runs the model twice.
    For models without a reset (HH) forcing spikes changes nothing but the cost: pass
    `False`. `force_voltage` goes further for conductance-based models: every
    `force_voltage` ms the recorded potential is written into the state (`dt`: every
    step, when the loss becomes the error of one-step predictions, for HH a
    least-squares problem almost linear in the maximal conductances, as in Huys, Ahrens
    & Paninski 2006). Forcing is a device of the fit: simulate the fitted model
    freely to judge it.

    **Arguments:**

    - `model`: a neuron model of one neuron (`n == 1`), with the starting values of
      the parameters to fit (a `spike_fn` field and a state with fields `v` and `spike`,
      like the models of `dx.neurons`). With a batch of recordings it may also be a
      stacked model, one per neuron (every floating-point array leaf with the batch as
      its leading axis), such as a previous `fit_neuron` returns: a fit in stages.
    - `params`: what to fit, a function of the model returning a leaf or a tuple of
      leaves (as `eqx.tree_at`'s `where`), e.g. `lambda m: (m.tau, m.R)` or
      `lambda m: (m.channels["Na"].g, m.channels["K"].g)`.
    - `current`: the injected current, `(n_steps,)` for every neuron or
      `(batch, n_steps)`, in the model's unit (nA for `GIF`, µA/cm² for `HH`), held over
      each step.
    - `recording`: the membrane potential (mV), `(n_steps,)` or a batch
      `(batch, n_steps)`; row `k` at the end of step `k` (as `dx.simulate` records it).
    - `dt`: the time step of the recording and the simulation (ms).
    - `optimiser`: an Optax optimiser, e.g. `optax.adam(0.02)` with learning rates in
      units of the constraints' $u$; `optax.lbfgs()` for smooth losses (it receives
      the loss function for its line search).
    - `n_updates`: the number of optimiser updates.
    - `spikes`: the recorded spikes, bool like `recording`; default the upward
      crossings of `v_th` by `recording` (pass them for recordings of
      integrate-and-fire models, whose potential is reset before it is recorded).
    - `start`: the starting values of the fitted parameters, one array per leaf of
      `params` with a leading batch axis, `(batch, *leaf shape)`: each neuron's own
      start; default the model's values for every neuron.
    - `loss`: `loss(v, spikes, v_rec, spikes_rec, dt) -> (loss, aux)` on one neuron's
      `(n_steps,)` arrays; `aux` a dict of scalars, kept in the history. Default
      `dx.train.SpikeVoltageLoss()`.
    - `constraints`: one `dx.train.AbstractConstraint` for all parameters or one per
      leaf of `params`: `Positive()` (log scale), `Bounded(low, high)`,
      `Unbounded(scale)`.
    - `spike_fn`: the surrogate spike function used during the fit (the returned
      model keeps its own); its sharpness is in 1/mV; default
      `dx.surrogate.Sigmoid(alpha=0.3)` (`spike_fn=model.spike_fn` keeps the model's).
    - `force_spikes`, `force_voltage` (ms, a multiple of `dt`, or None): teacher forcing,
      above.
    - `v_th`: the threshold (mV) of the recording's spike detection when `spikes` is None.
    - `key`: PRNG key for the models' `init` and steps (None for deterministic ones).
    - `progress`: show a tqdm bar over the updates.

    **Returns:** `(fitted, history)`: the model with the fitted parameters (for a
    batch, a stacked model whose array leaves have a leading batch axis: neuron `b` is
    `jax.tree.map(lambda x: x[b], fitted)`), and a dict of NumPy arrays, `"loss"` and
    the entries of `aux`, `(n_updates,)` or `(n_updates, batch)`, before each update.

    ??? cite "References"

        Pozzorini, C., Mensi, S., Hagens, O., Naud, R., Koch, C., & Gerstner, W. (2015).
        Automated high-throughput characterization of single neurons by means of
        simplified spiking models. *PLoS Computational Biology*, 11(6), e1004275.

        Huys, Q. J. M., Ahrens, M. B., & Paninski, L. (2006). Efficient estimation of
        detailed single-neuron models. *Journal of Neurophysiology*, 96(2), 872–890.

        Wang, C., Zhang, T., He, S., Gu, H., Li, S., & Wu, S. (2024). A differentiable
        brain simulator bridging brain simulation and brain-inspired computing. *ICLR*.
    """
    if not isinstance(model, AbstractNeuron) or model.n != 1:
        raise ValueError(
            "fit_neuron fits one neuron per recording: model must be a dx.neurons model "
            f"with n=1, got {type(model).__name__}"
            + (f"(n={model.n})." if isinstance(model, AbstractNeuron) else ".")
        )
    check_dt(dt)
    dt = float(dt)
    if isinstance(n_updates, bool) or not isinstance(n_updates, int) or n_updates < 1:
        raise ValueError(f"n_updates must be a positive int, got n_updates={n_updates!r}.")
    recording = jnp.asarray(recording)
    current = jnp.asarray(current, recording.dtype)
    if recording.ndim not in (1, 2):
        raise ValueError(
            f"recording must be (n_steps,) or (batch, n_steps), got shape {recording.shape}."
        )
    batched = recording.ndim == 2
    n_steps = recording.shape[-1]
    if current.shape not in ((n_steps,), recording.shape):
        raise ValueError(
            f"current must have shape ({n_steps},) or {recording.shape} like the recording, "
            f"got {current.shape}."
        )
    if spikes is None:
        spikes = upward_crossings(recording, v_th)
    spikes = jnp.asarray(spikes)
    if spikes.shape != recording.shape:
        raise ValueError(
            f"spikes must have the recording's shape {recording.shape}, got {spikes.shape}."
        )
    spikes = spikes.astype(bool)
    every = 0
    if force_voltage is not None:
        every = round(force_voltage / dt)
        if every < 1 or not np.isclose(every * dt, force_voltage):
            raise ValueError(
                f"force_voltage must be a positive multiple of dt={dt} (ms), got "
                f"force_voltage={force_voltage!r}."
            )
    loss = SpikeVoltageLoss() if loss is None else loss
    spike_fn = Sigmoid(alpha=0.3) if spike_fn is None else spike_fn
    if not isinstance(spike_fn, AbstractSpikeFunction):
        raise TypeError(
            "spike_fn must be a dx.surrogate spike function (e.g. dx.surrogate.Sigmoid(0.3)), "
            f"got {spike_fn!r}."
        )
    try:
        eqx.tree_at(lambda m: m.spike_fn, model, spike_fn)
    except AttributeError:
        raise TypeError(
            f"fit_neuron needs a model with a spike_fn field (the models of dx.neurons); "
            f"{type(model).__name__} has none."
        ) from None
    # Batch everything: a single recording is a batch of one.
    if not batched:
        recording, spikes = recording[None], spikes[None]
    batch = recording.shape[0]
    stacked = batched and _is_stacked(model, batch)
    model_axis = 0 if stacked else None
    initial = _initial(params, model)
    constraints = _constraints(constraints, len(initial))
    if start is None:
        values: tuple = initial if stacked else tuple(_broadcast(p, batch) for p in initial)
    else:
        values = tuple(start) if isinstance(start, list | tuple) else (start,)
    values = tuple(jnp.asarray(x, recording.dtype) for x in values)
    shapes = tuple(p.shape if stacked else (batch, *p.shape) for p in initial)
    if tuple(x.shape for x in values) != shapes:
        raise ValueError(
            f"start must hold one array per fitted parameter, of shapes {shapes} (the batch "
            f"of {batch} first), got shapes {tuple(x.shape for x in values)}."
        )
    u = tuple(c.inverse(x) for c, x in zip(constraints, values))
    current_axis = 0 if current.ndim == 2 else None
    keys = None if key is None else jax.random.split(key, batch)

    if not isinstance(optimiser, optax.GradientTransformationExtraArgs):
        optimiser = optax.with_extra_args_support(optimiser)
    problem = _Problem(params, constraints, loss, spike_fn, dt, every, force_spikes, optimiser)
    axes = (model_axis, current_axis, 0, 0, None if keys is None else 0)
    opt_state = jax.vmap(optimiser.init)(u)
    history: list = []
    updates = range(n_updates)
    if progress:
        from tqdm.auto import tqdm

        updates = tqdm(updates, desc="fit_neuron")
    for _ in updates:
        u, opt_state, value_u, aux = _step(
            problem, axes, u, opt_state, model, current, recording, spikes, keys
        )
        history.append({"loss": value_u, **aux})
    out = {name: np.stack([np.asarray(h[name]) for h in history]) for name in history[0]}
    if not batched:
        out = {name: values[:, 0] for name, values in out.items()}
        return problem.build(model, tuple(x[0] for x in u)), out
    return eqx.filter_vmap(problem.build, in_axes=(model_axis, 0))(model, u), out


class _Problem(eqx.Module):
    """What one fit computes, apart from the data: the loss of a neuron's unconstrained
    parameters `u` and the optimiser's update. The functions are static fields (hashed by
    identity), so that fits with the same settings share one compilation."""

    params: Callable = eqx.field(static=True)
    constraints: tuple
    loss: Callable
    spike_fn: AbstractSpikeFunction
    dt: float = eqx.field(static=True)
    every: int = eqx.field(static=True)
    force_spikes: bool = eqx.field(static=True)
    optimiser: Any = eqx.field(static=True)

    def build(self, base: Any, u: tuple) -> Any:
        values = tuple(c.forward(x) for c, x in zip(self.constraints, u))
        return eqx.tree_at(lambda m: _as_tuple(self.params(m)), base, values)

    def value(self, u, base, current, v_rec, s_rec, key):
        base = eqx.tree_at(lambda m: m.spike_fn, base, self.spike_fn)
        v, s = _trace(
            self.build(base, u),
            current,
            dt=self.dt,
            recording=v_rec,
            spikes=s_rec if self.force_spikes else None,
            force_voltage=self.every,
            key=key,
        )
        return self.loss(v, s, v_rec, s_rec, self.dt)

    def update(self, u, opt_state, base, current, v_rec, s_rec, key):
        """One update of one neuron (STYLE rule 12). The loss function goes to the
        optimiser too, for those that search along a line (L-BFGS)."""

        def value(u):
            return self.value(u, base, current, v_rec, s_rec, key)

        (value_u, aux), grads = eqx.filter_value_and_grad(value, has_aux=True)(u)
        updates, opt_state = self.optimiser.update(
            grads, opt_state, u, value=value_u, grad=grads, value_fn=lambda u: value(u)[0]
        )
        return eqx.apply_updates(u, updates), opt_state, value_u, aux


@eqx.filter_jit
def _step(problem: _Problem, axes: tuple, u, opt_state, model, current, recording, spikes, keys):
    """One update of every neuron: `problem.update` vmapped over the batch."""
    update = eqx.filter_vmap(problem.update, in_axes=(0, 0, *axes))
    return update(u, opt_state, model, current, recording, spikes, keys)


def _initial(params: Callable[[Any], Any], model: Any) -> tuple:
    """The model's values of the fitted parameters, checked."""
    if not callable(params):
        raise TypeError(
            "params must be a function of the model returning the leaves to fit, e.g. "
            f"lambda m: (m.tau, m.R); got {params!r}."
        )
    leaves = _as_tuple(params(model))
    for k, leaf in enumerate(leaves):
        if not eqx.is_inexact_array(leaf):
            raise ValueError(
                f"params(model)[{k}] must be a floating-point array of the model, got "
                f"{type(leaf).__name__} {leaf!r}."
            )
    return leaves


def _constraints(constraints: Any, n: int) -> tuple[AbstractConstraint, ...]:
    if constraints is None:
        return (Positive(),) * n
    if isinstance(constraints, AbstractConstraint):
        return (constraints,) * n
    constraints = tuple(constraints)
    if len(constraints) != n or not all(isinstance(c, AbstractConstraint) for c in constraints):
        raise ValueError(
            f"constraints must be one dx.train.AbstractConstraint or one per fitted "
            f"parameter ({n}), got {constraints!r}."
        )
    return constraints


def _broadcast(x: Array, batch: int) -> Array:
    return jnp.broadcast_to(x, (batch, *x.shape))


def _is_stacked(model: Any, batch: int) -> bool:
    """Whether `model` is a stacked model of `batch` neurons: every floating-point array
    leaf has the batch as its leading axis (as `fit_neuron` returns for a batch)."""
    leaves = [x for x in jax.tree.leaves(model) if eqx.is_inexact_array(x)]
    return bool(leaves) and all(x.ndim >= 1 and x.shape[0] == batch for x in leaves)
