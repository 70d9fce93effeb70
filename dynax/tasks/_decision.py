"""Rate-coded cognitive tasks: perceptual decision making and delayed match-to-sample."""

import functools
import math
from collections.abc import Sequence

import jax
import jax.numpy as jnp

from .._custom_types import PRNGKeyArray
from ._trials import Trials, check_common, periods

COHERENCES = (0.0, 3.2, 6.4, 12.8, 25.6, 51.2)
"""The motion coherences (%) of Britten et al. (1992), without sign."""


def _check_sigma(sigma):
    if not sigma >= 0:
        raise ValueError(f"sigma must be >= 0, got sigma={sigma!r}.")


def perceptual_decision_making(
    key: PRNGKeyArray,
    batch_size: int,
    dt: float = 20.0,
    *,
    coherences: Sequence[float] = COHERENCES,
    fixation: float = 100.0,
    stimulus: float = 800.0,
    delay: float = 0.0,
    decision: float = 300.0,
    sigma: float = 1.0,
) -> Trials:
    r"""Two-alternative perceptual decision making: which of two noisy evidence
    channels is stronger on average (random-dot motion discrimination).

    Monkeys watching random dots, a fraction (the *coherence*) of which move in one of
    two directions, report the direction after the stimulus; their accuracy rises with
    coherence along a sigmoid, the psychometric curve (Britten et al. 1992). Song, Yang
    & Wang (2016) trained rate RNNs on it in this form: three inputs, a fixation cue
    and two evidence channels, one per direction, and the choice reported when the
    fixation cue goes off.

    A trial is `fixation`, `stimulus`, `delay` and `decision` ms in that order. Input 0,
    the fixation cue, is 1 until the decision period and 0 in it. During the stimulus,
    for a signed coherence $c$ (%), inputs 1 and 2 are
    $$u_{1,2} = \frac{1 \pm c/100}{2} + \frac{\sigma}{\sqrt{dt}}\,\xi, \qquad
    \xi \sim \mathcal N(0, 1) \text{ each step},$$
    ($dt$ in ms) so the mean difference $u_1 - u_2$ is $c/100$ and white noise of
    intensity $\sigma$ makes the mean of a channel over $T$ ms scatter by
    $\sigma/\sqrt{T}$, whatever the step. Outside the stimulus they are 0. The
    coherence's magnitude is drawn uniformly from `coherences` and its sign at random;
    the label is 0 for $c > 0$ (channel 1 stronger), 1 for $c < 0$, and the drawn sign
    at $c = 0$ (chance).

    **Arguments:**

    - `key`: a PRNG key; `batch_size`: the number of trials.
    - `dt`: the time step (ms); every duration must be a whole number of steps.
    - `coherences`: the unsigned coherences (%) to draw from; default
      0, 3.2, 6.4, 12.8, 25.6, 51.2 (Britten et al.).
    - `fixation`, `stimulus`, `delay`, `decision`: the durations of the periods (ms).
    - `sigma`: the noise intensity ($\text{ms}^{1/2}$, in input units).

    **Returns:** [`dynax.tasks.Trials`][]: `inputs` `(batch, n_steps, 3)` float32
    (fixation, channel 1, channel 2); `labels` `(batch,)` int32; `mask` true in the
    decision period; `conditions` `"coherence"` (signed, %).

    ??? cite "References"

        Britten, K. H., Shadlen, M. N., Newsome, W. T., & Movshon, J. A. (1992). The
        analysis of visual motion: a comparison of neuronal and psychophysical
        performance. *Journal of Neuroscience*, 12(12), 4745–4765.

        Song, H. F., Yang, G. R., & Wang, X.-J. (2016). Training excitatory-inhibitory
        recurrent neural networks for cognitive tasks: a simple and flexible
        framework. *PLoS Computational Biology*, 12(2), e1004792.
    """
    check_common(key, batch_size, dt)
    _check_sigma(sigma)
    cohs = jnp.asarray(coherences, dtype=jnp.float32)
    if cohs.ndim != 1 or cohs.size == 0 or bool(jnp.any((cohs < 0) | (cohs > 100))):
        raise ValueError(f"coherences must be a non-empty list in [0, 100] (%), got {coherences}.")
    span = periods(dt, fixation=fixation, stimulus=stimulus, delay=delay, decision=decision)
    for name in ("stimulus", "decision"):
        if span[name].stop == span[name].start:
            raise ValueError(f"{name} must last at least one step, got {name}=0.")
    bounds = (span["stimulus"].start, span["stimulus"].stop, span["decision"].start)
    return _pdm(key, batch_size, float(dt), bounds, span["decision"].stop, cohs, float(sigma))


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 6))
def _pdm(key, batch_size, dt, bounds, n_steps, cohs, sigma):
    k_coh, k_sign, k_noise = jax.random.split(key, 3)
    magnitude = cohs[jax.random.randint(k_coh, (batch_size,), 0, cohs.size)]
    positive = jax.random.bernoulli(k_sign, 0.5, (batch_size,))
    coherence = jnp.where(positive, magnitude, -magnitude)

    t = jnp.arange(n_steps)
    in_stimulus = (t >= bounds[0]) & (t < bounds[1])
    in_decision = t >= bounds[2]
    mean = jnp.stack([1 + coherence / 100, 1 - coherence / 100], axis=-1) / 2  # (batch, 2)
    noise = sigma / math.sqrt(dt) * jax.random.normal(k_noise, (batch_size, n_steps, 2))
    evidence = jnp.where(in_stimulus[None, :, None], mean[:, None, :] + noise, 0.0)
    fix = jnp.broadcast_to(~in_decision, (batch_size, n_steps))[..., None]
    inputs = jnp.concatenate([fix.astype(jnp.float32), evidence], axis=-1)
    return Trials(
        inputs=inputs.astype(jnp.float32),
        labels=jnp.where(positive, 0, 1).astype(jnp.int32),
        mask=jnp.broadcast_to(in_decision, (batch_size, n_steps)),
        conditions={"coherence": coherence},
    )


def delayed_match_to_sample(
    key: PRNGKeyArray,
    batch_size: int,
    dt: float = 20.0,
    *,
    n_stimuli: int = 4,
    fixation: float = 100.0,
    sample: float = 300.0,
    delay: float = 1000.0,
    test: float = 300.0,
    decision: float = 200.0,
    p_match: float = 0.5,
    sigma: float = 0.5,
) -> Trials:
    r"""Delayed match-to-sample: is the test stimulus the one shown before the delay?

    A sample stimulus, one of `n_stimuli`, is shown and taken away; after a delay
    a test stimulus appears, the same one (a match, probability `p_match`) or another
    drawn uniformly from the rest; the answer, given when the fixation cue goes off, is
    match or non-match. Holding the sample over the delay needs working memory, as in
    the prefrontal recordings of Miller, Erickson & Desimone (1996).

    A trial is `fixation`, `sample`, `delay`, `test` and `decision` ms in that order.
    Input 0, the fixation cue, is 1 until the decision period and 0 in it; inputs
    $1..n$ code the stimuli one-hot (1 for the stimulus shown, during the sample and
    test periods only), each with white noise $\sigma/\sqrt{dt}\,\xi$ per step
    ($\xi \sim \mathcal N(0, 1)$, $dt$ in ms) in every period; the fixation cue has no
    noise.

    **Arguments:**

    - `key`: a PRNG key; `batch_size`: the number of trials.
    - `dt`: the time step (ms); every duration must be a whole number of steps.
    - `n_stimuli`: the number of distinct stimuli (≥ 2).
    - `fixation`, `sample`, `delay`, `test`, `decision`: the durations (ms).
    - `p_match`: the probability of a match trial.
    - `sigma`: the noise intensity ($\text{ms}^{1/2}$, in input units).

    **Returns:** [`dynax.tasks.Trials`][]: `inputs` `(batch, n_steps, 1 + n_stimuli)`
    float32; `labels` `(batch,)` int32, 1 = match, 0 = non-match; `mask` true in the
    decision period; `conditions` `"sample"`, `"test"` (the stimuli's indices).

    ??? cite "Reference"

        Miller, E. K., Erickson, C. A., & Desimone, R. (1996). Neural mechanisms of
        visual working memory in prefrontal cortex of the macaque. *Journal of
        Neuroscience*, 16(16), 5154–5167.
    """
    check_common(key, batch_size, dt)
    _check_sigma(sigma)
    if not isinstance(n_stimuli, int) or n_stimuli < 2:
        raise ValueError(f"n_stimuli must be an int >= 2, got n_stimuli={n_stimuli!r}.")
    if not 0 <= p_match <= 1:
        raise ValueError(f"p_match must be a probability in [0, 1], got p_match={p_match!r}.")
    span = periods(dt, fixation=fixation, sample=sample, delay=delay, test=test, decision=decision)
    for name in ("sample", "test", "decision"):
        if span[name].stop == span[name].start:
            raise ValueError(f"{name} must last at least one step, got {name}=0.")
    bounds = tuple((span[name].start, span[name].stop) for name in ("sample", "test"))
    return _dms(
        key, batch_size, float(dt), n_stimuli, bounds, span["decision"].start,
        span["decision"].stop, float(p_match), float(sigma),
    )  # fmt: skip


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5, 6, 7, 8))
def _dms(key, batch_size, dt, n_stimuli, bounds, decision, n_steps, p_match, sigma):
    k_sample, k_match, k_other, k_noise = jax.random.split(key, 4)
    first = jax.random.randint(k_sample, (batch_size,), 0, n_stimuli)
    match = jax.random.bernoulli(k_match, p_match, (batch_size,))
    # a non-match is one of the other n - 1 stimuli, uniformly
    shift = jax.random.randint(k_other, (batch_size,), 1, n_stimuli)
    second = jnp.where(match, first, (first + shift) % n_stimuli)

    t = jnp.arange(n_steps)
    (s0, s1), (t0, t1) = bounds
    in_sample = ((t >= s0) & (t < s1))[None, :, None]
    in_test = ((t >= t0) & (t < t1))[None, :, None]
    in_decision = t >= decision
    stim = in_sample * jax.nn.one_hot(first, n_stimuli)[:, None, :]
    stim = stim + in_test * jax.nn.one_hot(second, n_stimuli)[:, None, :]
    stim = stim + sigma / math.sqrt(dt) * jax.random.normal(k_noise, stim.shape)
    fix = jnp.broadcast_to(~in_decision, (batch_size, n_steps))[..., None]
    inputs = jnp.concatenate([fix.astype(jnp.float32), stim], axis=-1)
    return Trials(
        inputs=inputs.astype(jnp.float32),
        labels=match.astype(jnp.int32),
        mask=jnp.broadcast_to(in_decision, (batch_size, n_steps)),
        conditions={"sample": first.astype(jnp.int32), "test": second.astype(jnp.int32)},
    )
