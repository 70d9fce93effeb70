"""Training: backpropagation through time with Optax, online learning, offline readouts,
reservoir computing and fitting neuron models to recordings.

A model is a pytree and a simulation a `jax.lax.scan`, so training is Optax around
`dx.simulate`: `make_step` builds one jitted update, `fit` loops it over mini-batches.
"""

from ._constraints import (
    AbstractConstraint as AbstractConstraint,
    Bounded as Bounded,
    Positive as Positive,
    Unbounded as Unbounded,
)
from ._eprop import eprop_gradients as eprop_gradients, make_eprop_step as make_eprop_step
from ._features import polynomial_features as polynomial_features
from ._fit import (
    fit as fit,
    init_optimiser as init_optimiser,
    make_step as make_step,
    trainable_filter as trainable_filter,
)
from ._fitting import fit_neuron as fit_neuron
from ._fitting_loss import SpikeVoltageLoss as SpikeVoltageLoss
from ._logistic import logistic_regression as logistic_regression
from ._losses import (
    accuracy as accuracy,
    cross_entropy as cross_entropy,
    l2_regulariser as l2_regulariser,
    mse as mse,
    rate_regulariser as rate_regulariser,
    spike_count_loss as spike_count_loss,
)
from ._nvar import NVAR as NVAR, NVARState as NVARState
from ._online import (
    LMS as LMS,
    RLS as RLS,
    Force as Force,
    ForceState as ForceState,
    RLSState as RLSState,
    force as force,
)
from ._penalised import elastic_net as elastic_net, lasso as lasso
from ._readout import Readout as Readout, least_squares as least_squares, ridge as ridge
from ._reservoir import Reservoir as Reservoir, ReservoirState as ReservoirState
from ._rollout import rollout as rollout
