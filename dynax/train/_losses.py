"""Losses, metrics and regularisers for training models of dynax."""

import jax
import jax.numpy as jnp
import jax.tree_util as jtu

from .._custom_types import Array, ArrayLike, Float, Int


def _check_labels(logits: Array, labels: Array) -> None:
    if labels.shape != logits.shape[:-1]:
        raise ValueError(
            f"labels must have the shape of logits without its last (class) axis: "
            f"logits {logits.shape}, labels {labels.shape}."
        )
    if not jnp.issubdtype(labels.dtype, jnp.integer):
        raise TypeError(f"labels must be integer class indices, got dtype {labels.dtype}.")


def cross_entropy(logits: Float[Array, "... k"], labels: Int[Array, "..."]) -> Float[Array, ""]:
    r"""Mean cross-entropy $-\log \mathrm{softmax}(\ell)_y$ of integer `labels` under
    `logits` (classes on the last axis), averaged over all other axes."""
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    _check_labels(logits, labels)
    log_p = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.mean(jnp.take_along_axis(log_p, labels[..., None], axis=-1))


def accuracy(logits: Float[Array, "... k"], labels: Int[Array, "..."]) -> Float[Array, ""]:
    """Fraction of entries whose largest logit is at the label (a tie counts for the
    first of the tied classes, as `argmax` does)."""
    logits, labels = jnp.asarray(logits), jnp.asarray(labels)
    _check_labels(logits, labels)
    return jnp.mean(jnp.argmax(logits, axis=-1) == labels)


def mse(
    prediction: Float[Array, "..."],
    target: Float[Array, "..."],
    mask: ArrayLike | None = None,
) -> Float[Array, ""]:
    """Mean squared error; with a `mask` (broadcastable to `target`, 0/1 or weights) the
    weighted mean over the entries where it is non-zero."""
    prediction, target = jnp.asarray(prediction), jnp.asarray(target)
    if prediction.shape != target.shape:
        raise ValueError(
            f"prediction {prediction.shape} and target {target.shape} must have one shape."
        )
    err = (prediction - target) ** 2
    if mask is None:
        return jnp.mean(err)
    w = jnp.broadcast_to(jnp.asarray(mask, err.dtype), err.shape)
    return jnp.sum(w * err) / jnp.maximum(jnp.sum(w), 1e-12)


def spike_count_loss(
    spikes: Float[Array, "... steps k"], labels: Int[Array, "..."]
) -> Float[Array, ""]:
    """Cross-entropy of the output neurons' spike counts used as logits: `spikes` has
    time on its second-to-last axis and one output neuron per class on the last; the
    class of a trial is the neuron that fires most (Neftci, Mostafa & Zenke 2019)."""
    spikes = jnp.asarray(spikes)
    return cross_entropy(jnp.sum(spikes.astype(jnp.result_type(float)), axis=-2), labels)


def rate_regulariser(
    spikes: Float[Array, "... steps n"], dt: float, target_rate: float = 10.0
) -> Float[Array, ""]:
    r"""Squared deviation of each neuron's mean firing rate from `target_rate` (Hz),
    $\frac{1}{n}\sum_i (r_i - r^*)^2$ in Hz², with $r_i$ averaged over time (second-to-last
    axis, steps of `dt` ms) and over any leading (batch) axes: the firing-rate
    regularisation of Bellec et al. (2018, 2020) that keeps spiking networks sparse.

    ??? cite "Reference"

        Bellec, G., Scherr, F., Subramoney, A., Hajek, E., Salaj, D., Legenstein, R., &
        Maass, W. (2020). A solution to the learning dilemma for recurrent networks of
        spiking neurons. *Nature Communications*, 11, 3625.
    """
    if dt <= 0:
        raise ValueError(f"dt must be positive (ms), got dt={dt!r}.")
    spikes = jnp.asarray(spikes).astype(jnp.result_type(float))
    if spikes.ndim < 2:
        raise ValueError(f"spikes must be (..., steps, n), got shape {spikes.shape}.")
    axes = tuple(range(spikes.ndim - 1))
    rate = jnp.mean(spikes, axis=axes) * (1000.0 / dt)
    return jnp.mean((rate - target_rate) ** 2)


def l2_regulariser(tree) -> Float[Array, ""]:
    """Sum of squares of the floating-point array leaves of `tree` (e.g. the weights
    chosen by `lambda m: (m.W_in, m.W_rec)` applied to a model)."""
    leaves = [
        jnp.sum(jnp.square(x))
        for x in jtu.tree_leaves(tree)
        if isinstance(x, jax.Array) and jnp.issubdtype(x.dtype, jnp.inexact)
    ]
    return sum(leaves, jnp.asarray(0.0))
