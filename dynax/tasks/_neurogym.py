"""An adapter from neurogym's trial-based environments to arrays (neurogym is optional)."""

import numbers
from typing import Any

import jax.numpy as jnp
import numpy as np

from ._trials import Trials


def _make(name: str, env_kwargs: dict) -> Any:
    try:
        import neurogym
    except ImportError:
        raise ImportError(
            f"dx.tasks.from_neurogym({name!r}) needs neurogym to make the environment: "
            "pip install neurogym (or pip install 'dynax[neurogym]'), or pass an "
            "environment object instead of its name."
        ) from None
    return neurogym.make(name, **env_kwargs)


def from_neurogym(
    env: Any,
    n_trials: int,
    *,
    seed: int | None = None,
    env_kwargs: dict | None = None,
    **trial_kwargs: Any,
) -> Trials:
    """Trials of a [neurogym](https://github.com/neurogym/neurogym) environment as
    arrays, so that its tasks can be trained on like those of `dynax.tasks`.

    neurogym's trial-based environments (`TrialEnv`) build a whole trial at a time:
    `env.new_trial(**kwargs)` draws one and returns its description (a dict such as
    `{"ground_truth": 1, "coh": 25.6}`), after which `env.ob` holds its observations
    `(n_steps, n_in)` and `env.gt` its ground truth per step (the correct action, 0 =
    fixate, for the supervised tasks). This function calls `new_trial` `n_trials`
    times and stacks the results, padding trials of different lengths with zeros at the
    end; nothing steps the environment, so no agent or reward is involved, and wrappers
    that act in `step` (neurogym's `Noise`, for one) change nothing here, while those
    that override `new_trial` do. The environment's step is `env.dt` ms. Checked with
    neurogym 2.2 (`PerceptualDecisionMaking-v0`, `DelayMatchSample-v0`); 2.3.1 imports
    torch when imported.

    neurogym is an optional dependency (`pip install neurogym`, or the `neurogym`
    extra of dynax), needed only to make an environment from its name; any object with
    `new_trial`, `ob` and `gt` as above works (a wrapped environment's `unwrapped` is
    read for `ob`, `gt` and `seed`).

    **Arguments:**

    - `env`: a neurogym environment, or its id (e.g. `"PerceptualDecisionMaking-v0"`),
      made with `neurogym.make(env, **env_kwargs)`.
    - `n_trials`: the number of trials.
    - `seed`: if given, `env.seed(seed)` is called first (reproducible trials).
    - `env_kwargs`: keyword arguments of `neurogym.make` (e.g. `{"dt": 20}`), only
      with an id.
    - `**trial_kwargs`: passed to every `env.new_trial` (e.g. `coh=51.2`).

    **Returns:** [`dynax.tasks.Trials`][]: `inputs` `(n_trials, n_steps, n_in)` float32
    (`n_steps` the longest trial); `labels` `(n_trials, n_steps)`, the ground truth at
    each step (int32 for integer actions, float32 otherwise, then with the shape of
    `env.gt` per step); `mask` true at the steps inside each trial; `conditions` every
    numeric scalar of the trial descriptions (e.g. `"ground_truth"`, `"coh"`) and
    `"n_steps"`, the length of each trial.
    """
    if isinstance(env, str):
        env = _make(env, env_kwargs or {})
    elif env_kwargs:
        raise ValueError("env_kwargs is only used with an environment id (a string).")
    if not isinstance(n_trials, int) or isinstance(n_trials, bool) or n_trials < 1:
        raise ValueError(f"n_trials must be a positive int, got n_trials={n_trials!r}.")
    inner = getattr(env, "unwrapped", env)  # a gymnasium wrapper hides ob and gt
    try:  # the outermost new_trial (a neurogym wrapper may change the trials), found
        # through gymnasium's wrappers without their deprecation warning
        new_trial = env.get_wrapper_attr("new_trial")
    except AttributeError:
        new_trial = env.new_trial
    if seed is not None:
        inner.seed(seed)
    obs, gts, infos = [], [], []
    for _ in range(n_trials):
        info = new_trial(**trial_kwargs)
        ob, gt = np.array(inner.ob), np.array(inner.gt)
        if ob.ndim == 1:
            ob = ob[:, None]
        if ob.ndim != 2 or gt.shape[:1] != ob.shape[:1]:
            raise ValueError(
                f"env.ob must be (n_steps, n_in) and env.gt (n_steps, ...) of the same "
                f"n_steps; got shapes {ob.shape} and {gt.shape}."
            )
        obs.append(ob)
        gts.append(gt)
        infos.append(info if isinstance(info, dict) else {})
    if len({o.shape[1] for o in obs}) != 1:
        raise ValueError("the trials have different numbers of inputs (env.ob's last axis).")
    lengths = np.array([len(o) for o in obs])
    n_steps = int(lengths.max())
    integer = all(np.issubdtype(g.dtype, np.integer) for g in gts)
    inputs = np.zeros((n_trials, n_steps, obs[0].shape[1]), np.float32)
    labels = np.zeros((n_trials, n_steps, *gts[0].shape[1:]), np.int32 if integer else np.float32)
    for i, (ob, gt) in enumerate(zip(obs, gts)):
        inputs[i, : len(ob)] = ob
        labels[i, : len(gt)] = gt
    mask = np.arange(n_steps)[None, :] < lengths[:, None]
    conditions = {"n_steps": jnp.asarray(lengths, jnp.int32)}
    for name in infos[0]:
        values = [info.get(name) for info in infos]
        if all(isinstance(v, numbers.Number | np.number) for v in values):
            conditions[str(name)] = jnp.asarray(np.array(values))
    return Trials(jnp.asarray(inputs), jnp.asarray(labels), jnp.asarray(mask), conditions)
