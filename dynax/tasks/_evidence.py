"""Evidence accumulation by cue counting, in the spiking form of Bellec et al. (2020)."""

import functools

import jax
import jax.numpy as jnp

from .._custom_types import PRNGKeyArray
from ._trials import Trials, check_common, steps


def evidence_accumulation(
    key: PRNGKeyArray,
    batch_size: int,
    dt: float = 1.0,
    *,
    n_cues: int = 7,
    cue: float = 100.0,
    gap: float = 50.0,
    delay: float = 1050.0,
    recall: float = 150.0,
    n_in: int = 40,
    cue_rate: float = 40.0,
    noise_rate: float = 10.0,
    p_left: float = 0.5,
) -> Trials:
    r"""Cue counting: `n_cues` cues, each on the left or the right, then a delay, then a
    recall cue; the answer is the side that had more cues.

    The task of Morcos & Harvey (2016), where mice ran through a virtual T-maze past
    towers on both sides and turned, after a delay, to the side with more; here in the
    spiking form that Bellec et al. (2020, Fig. 3) used to train recurrent networks of
    adaptive LIF neurons with BPTT and e-prop. The `n_in` input neurons form four equal
    groups, in this order: left-cue, right-cue, recall-cue and noise neurons. During
    a cue, the neurons of its side fire Poisson spikes at `cue_rate` (and those of the
    other side are silent); during the recall period the recall neurons fire at
    `cue_rate`; the noise neurons fire at `noise_rate` throughout. Each cue lasts `cue`
    ms and is followed by `gap` ms of silence; after the last gap come `delay` ms
    without cues, then `recall` ms, the period in which the answer is scored.

    The defaults follow Bellec et al.'s description: 40 inputs (10 per group), seven
    cues of 100 ms with 50 ms between them, 40 Hz cue and 10 Hz background rates; with
    a delay of 1050 ms and a 150 ms recall period a trial lasts 2250 ms. The side of
    each cue is drawn independently (left with probability `p_left`), so with an odd
    number of cues there is never a tie. Shorter trials (fewer cues, a shorter delay)
    make a cheaper task for quick runs.

    A spike is drawn at each step with probability $\text{rate} \cdot dt$, so `dt`
    must keep $\text{rate} \cdot dt \le 1$; every duration must be a whole number of
    steps of `dt` (the trial is exactly
    $n_\text{cues}(\text{cue} + \text{gap}) + \text{delay} + \text{recall}$ ms long).

    **Arguments:**

    - `key`: a PRNG key; `batch_size`: the number of trials.
    - `dt`: the time step (ms).
    - `n_cues`: cues per trial, a positive odd number.
    - `cue`, `gap`, `delay`, `recall`: durations (ms): one cue, the silence after each
      cue, the delay after the last gap, the recall period.
    - `n_in`: input neurons, a positive multiple of 4.
    - `cue_rate`, `noise_rate`: Poisson rates (Hz) of the active cue neurons and of the
      noise neurons.
    - `p_left`: the probability that a cue is on the left.

    **Returns:** [`dynax.tasks.Trials`][]: `inputs` `(batch, n_steps, n_in)` float32
    spikes (0 or 1); `labels` `(batch,)` int32, 0 = left, 1 = right (more cues);
    `mask` true in the recall period; `conditions` `"n_left"`, `"n_right"` (int32)
    and `"cue_sides"` `(batch, n_cues)` (0 = left, 1 = right).

    ??? cite "References"

        Morcos, A. S., & Harvey, C. D. (2016). History-dependent variability in
        population dynamics during evidence accumulation in cortex. *Nature
        Neuroscience*, 19(12), 1672–1681.

        Bellec, G., Scherr, F., Subramoney, A., Hajek, E., Salaj, D., Legenstein, R., &
        Maass, W. (2020). A solution to the learning dilemma for recurrent networks of
        spiking neurons. *Nature Communications*, 11, 3625.
    """
    check_common(key, batch_size, dt)
    if not isinstance(n_cues, int) or n_cues < 1 or n_cues % 2 == 0:
        raise ValueError(f"n_cues must be a positive odd int (no ties), got n_cues={n_cues!r}.")
    if not isinstance(n_in, int) or n_in < 4 or n_in % 4:
        raise ValueError(
            f"n_in must be a positive multiple of 4 (left, right, recall and noise groups), "
            f"got n_in={n_in!r}."
        )
    for name, rate in (("cue_rate", cue_rate), ("noise_rate", noise_rate)):
        if not 0 <= rate * dt / 1000 <= 1:
            raise ValueError(
                f"{name} * dt must lie in [0, 1000] (Hz·ms: one spike per step at most), "
                f"got {name}={rate!r} Hz with dt={dt!r} ms."
            )
    if not 0 <= p_left <= 1:
        raise ValueError(f"p_left must be a probability in [0, 1], got p_left={p_left!r}.")
    n_cue, n_gap = steps(cue, dt, "cue"), steps(gap, dt, "gap")
    n_delay, n_recall = steps(delay, dt, "delay"), steps(recall, dt, "recall")
    if n_cue < 1 or n_recall < 1:
        raise ValueError(f"cue and recall must last at least one step, got {cue=}, {recall=}.")
    rates = (float(cue_rate) * dt / 1000, float(noise_rate) * dt / 1000)
    durations = (n_cue, n_gap, n_delay, n_recall)
    return _generate(key, batch_size, n_cues, durations, n_in, rates, float(p_left))


@functools.partial(jax.jit, static_argnums=(1, 2, 3, 4, 5, 6))
def _generate(key, batch_size, n_cues, durations, n_in, rates, p_left):
    n_cue, n_gap, n_delay, n_recall = durations
    p_cue, p_noise = rates  # spike probabilities per step
    n_steps = n_cues * (n_cue + n_gap) + n_delay + n_recall
    # Which cue (if any) is shown at each step.
    t = jnp.arange(n_steps)
    cue_index = jnp.minimum(t // (n_cue + n_gap), n_cues - 1)
    showing = (t < n_cues * (n_cue + n_gap)) & (t % (n_cue + n_gap) < n_cue)
    recalling = t >= n_steps - n_recall

    k_side, k_spike = jax.random.split(key)
    right = jax.random.bernoulli(k_side, 1 - p_left, (batch_size, n_cues))
    right_now = right[:, cue_index]  # (batch, n_steps)
    on_recall = jnp.broadcast_to(recalling, (batch_size, n_steps))
    p = jnp.stack(
        [
            p_cue * (showing & ~right_now),
            p_cue * (showing & right_now),
            p_cue * on_recall,
            jnp.full((batch_size, n_steps), p_noise),
        ],
        axis=-1,
    )  # (batch, n_steps, 4 groups)
    p = jnp.repeat(p, n_in // 4, axis=-1)
    spikes = jax.random.uniform(k_spike, p.shape) < p
    n_right = right.sum(axis=1).astype(jnp.int32)
    n_left = n_cues - n_right
    return Trials(
        inputs=spikes.astype(jnp.float32),
        labels=(n_right > n_left).astype(jnp.int32),
        mask=on_recall,
        conditions={
            "n_left": n_left,
            "n_right": n_right,
            "cue_sides": right.astype(jnp.int32),
        },
    )
