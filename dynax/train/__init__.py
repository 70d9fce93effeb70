"""Training: backpropagation through time with Optax, online learning, offline readouts,
reservoir computing and fitting neuron models to recordings.

A model is a pytree and a simulation a `jax.lax.scan`, so training is Optax around
`dx.simulate`: `make_step` builds one jitted update, `fit` loops it over mini-batches.
"""

# --- core: BPTT trainer, losses, rollouts (lead)
# --- readouts and reservoirs (helper "readout")
# --- online learning and e-prop (helper "online")
# --- fitting neuron models to recordings (helper "fitting")
