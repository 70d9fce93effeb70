"""Event-driven and sparse operators, and just-in-time connectivity.

Every operator applies a matrix $W$ of shape `(n_pre, n_post)`: by default $y = x W$
(presynaptic events or values to postsynaptic sums), with `transpose=True` $y = W x$.
Mat-mat variants take a leading batch axis, `(batch, n)`, and equal a `jax.vmap` of the
mat-vec (which is itself efficient: the batch's active rows are compacted together).
Every connectivity format applies its own matrix (`conn.event_matvec`, `conn.matvec`,
see `dx.connect.AbstractConnectivity`); the functions here are those methods under the
names of the operators they implement.

`kernel=` chooses the implementation: `XLA()`, `Native()` (compiled CPU kernels),
`Pallas()` (GPU kernels) or `Auto()`, or their names `"xla"`, `"native"`, `"pallas"`,
`"auto"`; `resolve` makes the choice once for the device and the format.
"""

from ._event import (
    event_csr_matmat as event_csr_matmat,
    event_csr_matvec as event_csr_matvec,
    event_fanout_matmat as event_fanout_matmat,
    event_fanout_matvec as event_fanout_matvec,
)
from ._fused import event_matvec as event_matvec, event_matvecs as event_matvecs
from ._jitprob import (
    event_mv_prob_homo as event_mv_prob_homo,
    event_mv_prob_normal as event_mv_prob_normal,
    event_mv_prob_uniform as event_mv_prob_uniform,
    jitconn_todense as jitconn_todense,
    mv_prob_homo as mv_prob_homo,
    mv_prob_normal as mv_prob_normal,
    mv_prob_uniform as mv_prob_uniform,
)
from ._kernels import (
    XLA as XLA,
    AbstractKernel as AbstractKernel,
    Auto as Auto,
    Native as Native,
    Pallas as Pallas,
    resolve as resolve,
)
from ._sparse import (
    coo_matmat as coo_matmat,
    coo_matvec as coo_matvec,
    csr_matmat as csr_matmat,
    csr_matvec as csr_matvec,
)
