"""Backpropagation through time with Optax: `make_step` (one jitted update) and `fit`
(mini-batches and epochs, history, checkpoints that resume to the same result)."""

import os
from collections.abc import Callable
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import jax.tree_util as jtu
import numpy as np
import optax

from .._checkpoint import load, save
from .._custom_types import PRNGKeyArray

Trainable = Callable[[Any], Any] | None


def trainable_filter(model: Any, trainable: Trainable = None) -> Any:
    """The filter spec (a pytree of bools shaped like `model`) of the leaves to train:
    every floating-point array leaf when `trainable` is None; otherwise those inside
    what `trainable(model)` returns (a leaf, a sub-module or a tuple of them, as
    `eqx.tree_at`'s `where`). Integer arrays (connectivity, indices), NumPy arrays
    (values a model keeps on the host because they shape its structure, such as a
    projection's delay in ms, which sets the length of its buffer) and static fields
    are never trained."""
    inexact = jtu.tree_map(
        lambda x: eqx.is_inexact_array(x) and not isinstance(x, np.ndarray), model
    )
    if trainable is None:
        return inexact
    if not callable(trainable):
        raise TypeError(
            "trainable must be None (every floating-point leaf) or a function of the "
            f"model returning the parts to train, e.g. lambda m: (m.W_in, m.W_rec); got "
            f"{trainable!r}."
        )
    chosen = eqx.tree_at(
        trainable,
        jtu.tree_map(lambda _: False, model),
        replace_fn=lambda node: jtu.tree_map(lambda _: True, node),
    )
    spec = jtu.tree_map(lambda a, b: a and b, chosen, inexact)
    if not any(jtu.tree_leaves(spec)):
        raise ValueError("trainable selects no floating-point array of the model.")
    return spec


def _strong(tree: Any) -> Any:
    """`tree` with its weakly typed arrays (`jnp.asarray(10.0)`, as a model's scalar
    parameters often are) made strongly typed, of the same dtype. An update by Optax
    returns them strongly typed, and `jax.jit` compiles again for a weak type that
    became strong: done before the first step, the step compiles once."""

    def strong(x):
        return jnp.asarray(x, x.dtype) if isinstance(x, jax.Array) and x.weak_type else x

    return jtu.tree_map(strong, tree)


def init_optimiser(
    optimiser: optax.GradientTransformation, model: Any, trainable: Trainable = None
) -> optax.OptState:
    """The initial state of `optimiser` for the leaves of `model` chosen by `trainable`
    (see `make_step`)."""
    return optimiser.init(_strong(eqx.filter(model, trainable_filter(model, trainable))))


def _with_aux(out: Any) -> tuple[Any, dict]:
    if isinstance(out, tuple):
        if len(out) != 2 or not isinstance(out[1], dict):
            raise TypeError("a loss returns a scalar or a pair (loss, dict of metrics).")
        return out
    return out, {}


def make_step(
    loss_fn: Callable[..., Any],
    optimiser: optax.GradientTransformation,
    trainable: Trainable = None,
) -> Callable[..., tuple[Any, optax.OptState, jax.Array, dict]]:
    """One training step as one compiled function (`eqx.filter_jit`):
    `model, opt_state, loss, aux = step(model, opt_state, batch, key)`.

    The gradient of `loss_fn(model, batch, key)` with respect to the trainable leaves
    (`jax.value_and_grad`, through the whole simulation when the loss runs one, e.g. with
    `dx.train.rollout`) is turned into an update by `optimiser` (any Optax gradient
    transformation) and applied. The step compiles once per shape of the model, the
    optimiser state and the batch.

    **Arguments:**

    - `loss_fn`: `loss_fn(model, batch, key) -> loss` or `(loss, aux)`, `loss` a scalar
      and `aux` a dict of scalar metrics (accuracy, rates, ...), returned as they are.
    - `optimiser`: an `optax.GradientTransformation`; its state comes from
      `dx.train.init_optimiser(optimiser, model, trainable)`.
    - `trainable`: None to train every floating-point array of the model, or a function
      of the model returning what to train (`lambda m: (m.W_in, m.W_rec)`); the rest,
      and integer arrays such as connectivity, stay as they are. The choice is made
      once per model structure (and leaf types), so it must not depend on values.
    """
    return _Step(loss_fn, optimiser, trainable)


class _Step:
    """The step of `make_step`. The model is split into trained and other leaves
    outside the compiled function and put together again after it, so that the other
    leaves come back as they went in: NumPy arrays stay NumPy arrays (a projection's
    delay in ms stays a host value, and stays untrained)."""

    def __init__(self, loss_fn, optimiser, trainable):
        self.trainable = trainable
        self._masks: dict = {}

        @eqx.filter_jit
        def jitted(params, static, opt_state, batch, key):
            def loss_of(params):
                return _with_aux(loss_fn(eqx.combine(params, static), batch, key))

            (loss, aux), grads = eqx.filter_value_and_grad(loss_of, has_aux=True)(params)
            updates, opt_state = optimiser.update(grads, opt_state, params)
            return eqx.apply_updates(params, updates), opt_state, loss, aux

        self.jitted = jitted

    def split(self, model):
        """`eqx.partition(model, trainable_filter(model, trainable))`, the filter
        computed once per model structure and leaf types: `eqx.tree_at` and
        `eqx.partition` took about 0.4 ms a call on the host, a tenth of a small
        network's whole training step on a GPU."""
        # Strongly typed: an Optax update returns the parameters strongly typed, and a
        # weakly typed scalar (`jnp.asarray(10.0)`) would compile the step a second time.
        model = _strong(model)
        leaves, treedef = jtu.tree_flatten(model)
        arrays = (jax.Array, np.ndarray)
        kinds = tuple((type(x), x.dtype if isinstance(x, arrays) else None) for x in leaves)
        try:
            mask = self._masks.get((treedef, kinds))
        except TypeError:  # a static field that cannot be hashed: no cache
            return eqx.partition(model, trainable_filter(model, self.trainable))
        if mask is None:
            spec = trainable_filter(model, self.trainable)
            mask = self._masks[treedef, kinds] = treedef.flatten_up_to(spec)
        params = treedef.unflatten([x if m else None for x, m in zip(leaves, mask)])
        static = treedef.unflatten([None if m else x for x, m in zip(leaves, mask)])
        return params, static

    def __call__(self, model, opt_state, batch, key):
        params, static = self.split(model)
        params, opt_state, loss, aux = self.jitted(params, static, _strong(opt_state), batch, key)
        return eqx.combine(params, static), opt_state, loss, aux

    def aux_shape(self, model, opt_state, batch, key):
        """The shapes of the metrics the loss returns (from the step's own trace)."""
        return jax.eval_shape(self.jitted, *self.split(model), opt_state, batch, key)[3]


def _n_samples(data: Any) -> int:
    sizes = {np.shape(x)[0] if np.ndim(x) else None for x in jtu.tree_leaves(data)}
    if not sizes or None in sizes or len(sizes) != 1:
        raise ValueError(
            "data must be a pytree of arrays with one leading sample axis of one length; "
            f"got leading sizes {sorted(map(str, sizes))}."
        )
    (size,) = sizes
    return int(size or 0)


def fit(
    model: Any,
    loss_fn: Callable[..., Any],
    optimiser: optax.GradientTransformation,
    data: Any,
    *,
    key: PRNGKeyArray,
    epochs: int = 1,
    batch_size: int = 32,
    trainable: Trainable = None,
    eval_fn: Callable[[Any, Any], dict] | None = None,
    eval_data: Any = None,
    progress: bool = False,
    checkpoint: str | os.PathLike | None = None,
) -> tuple[Any, dict[str, np.ndarray]]:
    """Train `model` on `data` for `epochs` epochs of shuffled mini-batches.

    Each step is `dx.train.make_step(loss_fn, optimiser, trainable)` on a batch of
    `batch_size` samples (the last, incomplete batch of an epoch is dropped, so that the
    step compiles once). Epoch `e` shuffles with `fold_in(key, e)` and step `b` of it
    passes `fold_in(fold_in(key, e), b + 1)` to the loss: the run is reproducible, and a
    run resumed from a checkpoint continues exactly as one that never stopped.

    **Arguments:**

    - `model`: the model to train (any Equinox pytree).
    - `loss_fn`: `loss_fn(model, batch, key) -> loss` or `(loss, aux)` (see `make_step`);
      `batch` is `data` with `batch_size` samples.
    - `optimiser`: an Optax gradient transformation.
    - `data`: a pytree of arrays sharing a leading sample axis (inputs, targets, ...).
    - `key`: PRNG key for the shuffling and the losses.
    - `epochs`, `batch_size`: passes over the data and samples per step.
    - `trainable`: what to train (see `make_step`).
    - `eval_fn`: `eval_fn(model, eval_data) -> dict` of scalar metrics, called after
      every epoch (e.g. the accuracy on held-out trials).
    - `progress`: show a tqdm bar over the steps.
    - `checkpoint`: a file path: after every epoch the model, the optimiser state and
      the history are saved there (`dx.save`, atomic); a later call with the same path
      and arguments resumes after the last saved epoch.

    **Returns:** `(model, history)`; `history` holds NumPy arrays: `"loss"` (one per
    step), `"epoch_loss"` (mean per epoch), each metric of the loss's `aux` (one per
    step) and each metric of `eval_fn` (one per epoch).
    """
    if not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive int, got epochs={epochs!r}.")
    n = _n_samples(data)
    if not isinstance(batch_size, int) or not 1 <= batch_size <= n:
        raise ValueError(
            f"batch_size must be an int from 1 to the number of samples ({n}), "
            f"got batch_size={batch_size!r}."
        )
    if (eval_fn is None) != (eval_data is None):
        raise ValueError("eval_fn and eval_data are given together or not at all.")
    n_batches = n // batch_size
    step = _Step(loss_fn, optimiser, trainable)
    opt_state = init_optimiser(optimiser, model, trainable)

    # The history's size and names are known before training, so that a checkpoint
    # has one structure from the first epoch to the last.
    batch0 = jtu.tree_map(lambda x: x[:batch_size], data)
    # (From the step itself, which compiles once: an eval_shape of `loss_fn` would
    # trace it once more.)
    aux_shape = step.aux_shape(model, opt_state, batch0, key)
    eval_names = [] if eval_fn is None else sorted(jax.eval_shape(eval_fn, model, eval_data))
    nan = lambda size: np.full(size, np.nan)
    history = {"loss": nan(epochs * n_batches), "epoch_loss": nan(epochs)}
    history |= {name: nan(epochs * n_batches) for name in sorted(aux_shape)}
    history |= {name: nan(epochs) for name in eval_names}
    clash = set(aux_shape) & set(eval_names) | {"loss", "epoch_loss"} & (
        set(aux_shape) | set(eval_names)
    )
    if clash:
        raise ValueError(f"metric names used twice in the history: {sorted(clash)}.")

    start = 0
    saved = {"model": model, "opt_state": opt_state, "epoch": 0, "history": history}
    if checkpoint is not None and os.path.exists(checkpoint):
        saved = load(checkpoint, like=saved)
        model, opt_state, history = saved["model"], saved["opt_state"], saved["history"]
        history = {k: np.array(v) for k, v in history.items()}
        start = int(saved["epoch"])

    bar = None
    if progress:
        try:
            from tqdm.auto import tqdm
        except ImportError:
            raise ImportError("progress=True needs tqdm: pip install 'dynax[progress]'.") from None
        bar = tqdm(total=epochs * n_batches, initial=start * n_batches, unit="step", desc="fit")
    try:
        for epoch in range(start, epochs):
            epoch_key = jax.random.fold_in(key, epoch)
            order = np.asarray(jax.random.permutation(epoch_key, n))
            for b in range(n_batches):
                idx = order[b * batch_size : (b + 1) * batch_size]
                batch = jtu.tree_map(lambda x: x[idx], data)
                model, opt_state, loss, aux = step(
                    model, opt_state, batch, jax.random.fold_in(epoch_key, b + 1)
                )
                i = epoch * n_batches + b
                history["loss"][i] = float(loss)
                for name, value in aux.items():
                    history[name][i] = float(value)
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{float(loss):.4g}")
            rows = slice(epoch * n_batches, (epoch + 1) * n_batches)
            history["epoch_loss"][epoch] = np.mean(history["loss"][rows])
            if eval_fn is not None:
                for name, value in eval_fn(model, eval_data).items():
                    history[name][epoch] = float(value)
            if checkpoint is not None:
                state = {"model": model, "opt_state": opt_state, "epoch": epoch + 1}
                save(checkpoint, state | {"history": history})
    finally:
        if bar is not None:
            bar.close()
    return model, history
