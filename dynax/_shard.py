"""One network over the devices of a mesh: populations split along the neuron axis,
connectivity partitioned by postsynaptic owner, spikes exchanged by `all_gather`.

**API** (what `dx.shard` returns and what its state is):

```python
mesh = jax.make_mesh((4,), ("neurons",))               # or jax.sharding.Mesh(devices, ...)
model = dx.shard(network, mesh, axis="neurons", window=None)   # a dx.ShardedNetwork
state = model.init(key)          # the network's own state pytree, on the mesh
state, rec = dx.simulate(model, state, dt=0.1, n_steps=..., monitors={"E": "E.spike"})
```

- `state` has the structure of `network.init(key)` and the same values (random draws
  included: JAX's partitionable threefry gives every device its part of the same
  numbers). Each leaf whose last axis is a population's size (a neuron's `v`, a
  synapse's `g`, a delay ring `(length, n)`) is a global `jax.Array` with
  `NamedSharding(mesh, P(None, ..., axis))`; the other leaves are replicated.
  `model.shardings(state)` gives these shardings and `model.put(state)` places any
  state of the network (saved, or made without sharding) on the mesh: a state can be
  saved, loaded and resharded with standard JAX.
- With `window` (ms), the state has one more entry, `state["exchange"]`, a
  `dx.ExchangeState` of replicated arrays: the spikes gathered for the current window
  (a cache: an emptied one is refilled at the next step), shaped independently of the
  number of devices, so that a checkpoint of it resumes on any other.
- The step is the network's own step (`dx.Network._step`) on the global arrays: the
  populations and synapses run where their neurons are (XLA partitions the element-wise
  work); only the propagation over the connectivity runs per device (`jax.shard_map`,
  `dx.connect.Sharded`), after one `all_gather` of the spikes (bit-packed) per step,
  or per window.

Every size must be a multiple of the number of devices along `axis` (no padding: a
padded neuron would have to be kept silent by every model).

What can be split: `dx.Projection` over CSR, FanOut, Dense and JitProb (with one delay,
per-connection delays for CSR and FanOut, STP and presynaptic synapses: those run on
the gathered spikes where the neurons are) and `dx.CurrentDrive`; any population. Not
yet: plastic projections and gap junctions (`NotImplementedError`). Each device
propagates its blocks as an unsharded network does (`dx.ops.event_matvecs` inside one
`jax.shard_map`): on a GPU one Pallas launch for all projections, on a CPU the compiled
kernels, both adding into the synapses in place. Each device regenerates JitProb rows
whole up to its block's last column (`dx.connect.JitBlock`), unless the JitProb has
column tiles (`dx.connect.JitProb(..., column_tile=T)`: then only the tiles over its
block; a tile of `n_post / devices` columns makes each device's block one tile).
"""

from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from ._custom_types import Array, Int, PRNGKeyArray
from ._delay import to_steps
from ._exchange import gather, unpack
from ._network import Network
from ._projection import AbstractProjection, Projection, _describe
from ._system import AbstractTimed, Context, DynamicalSystem, check_dt
from .neurons import AbstractPopulation

EXCHANGE = "exchange"  # the state's entry of the window's gathered spikes
_EMPTY = -(2**30)  # the start of an empty window: refilled at the next step


class ExchangeState(eqx.Module):
    """The spikes a sharded network gathered for the current window of its exchange
    (`dx.shard`'s `window`): `start`, the step at which they were gathered; `spikes`,
    for each group of projections that read the same spikes (named by the first), the
    `(window, ceil(n / 32))` `uint32` words of the bit-packed spikes of the `window`
    steps from `start` on (spike `j` in bit `j % 32` of word `j // 32`), or `(window, n)`
    spikes of another dtype. Replicated on every device; its shape does not depend on
    their number."""

    start: Int[Array, ""]
    spikes: dict[str, Array]


class PendingExchange(AbstractTimed):
    """The place of a `dx.ExchangeState` in an initial state made before `dt` is known
    (its window's length in steps depends on it); `dx.simulate` replaces it with an
    empty one for its `dt`.

    **Arguments:**

    - `window`: the window (ms).
    - `groups`: `(name, n_pre, dtype)` of each group of projections.
    """

    window: float = eqx.field(static=True)
    groups: tuple[tuple[str, int, Any], ...] = eqx.field(static=True)

    def with_dt(self, dt: float) -> ExchangeState:  # type: ignore[override]
        return _empty(int(to_steps(self.window, dt)), self.groups)


def _empty(steps: int, groups) -> ExchangeState:
    spikes = {}
    for name, n, dtype in groups:
        if jnp.dtype(dtype) == jnp.bool_:
            spikes[name] = jnp.zeros((steps, -(-n // 32)), jnp.uint32)
        else:
            spikes[name] = jnp.zeros((steps, n), dtype)
    return ExchangeState(jnp.asarray(_EMPTY, jnp.int32), spikes)


class _Group(eqx.Module):
    """Projections that read the same spikes: the same presynaptic population (`pre`, a
    path from the top) and the same delay (ms); `members` are their paths."""

    name: str
    pre: str
    members: tuple[str, ...]


class ShardedNetwork(DynamicalSystem, AbstractTimed):
    """A `dx.Network` whose populations are split along the neuron axis over the devices
    of a mesh; made by `dx.shard`, which describes it. `dx.simulate` runs it like any
    model.

    **Arguments:**

    - `network`: the network, its projections already split (`AbstractProjection.shard`).
    - `mesh`, `axis`: the mesh and its axis that splits the neurons.
    - `window`: the exchange window (ms), or None to exchange every step.
    - `steps`, `dt`: the window in steps of `dt`, once prepared for `dt` (`with_dt`).
    """

    network: Network
    mesh: Mesh = eqx.field(static=True)
    axis: str = eqx.field(static=True)
    window: float | None = eqx.field(static=True)
    steps: int = eqx.field(static=True, default=1)
    dt: float | None = eqx.field(static=True, default=None)

    @property
    def shards(self) -> int:
        return self.mesh.shape[self.axis]

    # -- structure -----------------------------------------------------------------------

    def _groups(self) -> list[_Group]:
        groups: dict[tuple[str, float], list[str]] = {}
        pres: dict[tuple[str, float], str] = {}

        def walk(net: Network, prefix: str):
            for name, proj in net.projections.items():
                if isinstance(proj, Projection):
                    pre = prefix + proj.pre
                    delay = proj.max_delay  # static (ms): the same ring's content
                    groups.setdefault((pre, delay), []).append(prefix + name)
                    pres[(pre, delay)] = pre
            for name, pop in net.populations.items():
                if isinstance(pop, Network):
                    walk(pop, f"{prefix}{name}.")

        walk(self.network, "")
        return [_Group(m[0], pres[k], tuple(m)) for k, m in groups.items()]

    def _projection(self, path: str) -> Projection:
        *nets, name = path.split(".")
        net = self.network
        for part in nets:
            net = net.populations[part]  # type: ignore[assignment]
        return net.projections[name]  # type: ignore[return-value]

    def shardings(self, state: Any) -> Any:
        """The `NamedSharding` of each leaf of `state` (a state of this network, or its
        shapes): along `axis` on the last axis of a leaf whose last axis is the size of
        the population (or of one of the two populations of the projection) whose state
        holds it; replicated otherwise."""
        mesh, axis = self.mesh, self.axis

        def leaf(sizes):
            def spec(x):
                shape = np.shape(x)
                if shape and shape[-1] in sizes:
                    return NamedSharding(mesh, P(*([None] * (len(shape) - 1)), axis))
                return NamedSharding(mesh, P())

            return spec

        def walk(net: Network, sub: dict) -> dict:
            out = {}
            for name, value in sub.items():
                child = net._children().get(name)
                if isinstance(child, Network):
                    out[name] = walk(child, value)
                    continue
                sizes: set = set()  # the exchange: replicated
                if isinstance(child, AbstractPopulation):
                    sizes = {child.n}
                elif isinstance(child, AbstractProjection):
                    sizes = {n for n in child.sizes() if n is not None}
                out[name] = jax.tree.map(leaf(sizes), value)
            return out

        return walk(self.network, state)

    def put(self, state: Any) -> Any:
        """`state` (any state of this network: saved, loaded, or made without sharding)
        placed on the mesh with `shardings(state)`; with a window, a state without
        `state["exchange"]` gets an empty one."""
        if self.window is not None and EXCHANGE not in state:
            state = {**state, EXCHANGE: self._exchange(state)}
        return jax.device_put(state, self.shardings(state))

    def _exchange(self, state: dict[str, Any]) -> ExchangeState | PendingExchange:
        """An empty window cache for `state` (a state of the network without one)."""
        groups = self._groups()
        spikes = [self.network._spikes(state, g.pre) for g in groups]
        info = tuple((g.name, x.shape[-1], jnp.dtype(x.dtype)) for g, x in zip(groups, spikes))
        window = self.window
        assert window is not None  # called for a network with a window only
        if self.dt is None:
            return PendingExchange(window, info)
        return _empty(self.steps, info)

    # -- the contract --------------------------------------------------------------------

    def with_dt(self, dt: float) -> "ShardedNetwork":
        """Prepared for steps of `dt` ms (`dx.with_dt` has prepared the network inside):
        the window in steps, checked against the delays: every projection must know the
        spikes it reads a window ahead (`dx.Projection.lookahead`)."""
        steps = 1
        if self.window is not None:
            steps = int(to_steps(self.window, dt))
            if steps < 1:
                raise ValueError(f"window={self.window} ms is less than one step of dt={dt} ms.")
            for group in self._groups():
                proj = self._projection(group.members[0])
                ahead = proj.lookahead(dt)
                if steps > ahead:
                    raise ValueError(
                        f"window={self.window} ms is {steps} steps of dt={dt} ms, but "
                        f"projection {group.members[0]!r} knows the spikes it reads only "
                        f"{ahead} step(s) ahead (a delay of d steps: d + 1; per-connection "
                        f"delays: 1): the window can be at most {ahead} steps "
                        f"({ahead * dt:g} ms)."
                    )
        return ShardedNetwork(self.network, self.mesh, self.axis, self.window, steps, dt)

    def init(self, key: PRNGKeyArray | None = None) -> dict[str, Any]:
        def make(key):
            state = self.network.init(key)
            if self.window is not None:
                state[EXCHANGE] = self._exchange(state)
            return state

        shapes = jax.eval_shape(make, key)
        return jax.jit(make, out_shardings=self.shardings(shapes))(key)

    def step(self, state: dict[str, Any], input: Any, ctx: Context) -> dict[str, Any]:
        if self.window is not None and self.dt != ctx.dt:
            raise ValueError(
                f"this sharded network has a window in ms and is prepared for dt={self.dt!r}, "
                f"but is stepped with dt={ctx.dt!r}: run it with dx.simulate, or prepare it "
                f"first with dx.with_dt(model, {ctx.dt!r})."
            )
        net, groups = self.network, self._groups()

        def upcoming(count):
            out = []
            for g in groups:
                path = g.members[0]
                proj = self._projection(path)
                own = _at(state, path)
                out.append(proj.upcoming(own, net._spikes(state, g.pre), ctx, count))
            return out

        reads: dict[str, Array] = {}
        if self.window is None:
            for g, x in zip(groups, gather(upcoming(1), self.mesh, self.axis)):
                reads.update({m: x[0] for m in g.members})
            new = net._step(state, input, ctx, reads)
        else:
            cache: ExchangeState = state[EXCHANGE]
            behind = ctx.i - cache.start
            refill = (behind >= self.steps) | (behind < 0)
            old = tuple(cache.spikes[g.name] for g in groups)
            spikes = jax.lax.cond(
                refill,
                lambda: tuple(gather(upcoming(self.steps), self.mesh, self.axis, packed=True)),
                lambda: old,
            )
            start = jnp.where(refill, ctx.i, cache.start).astype(jnp.int32)
            for g, x in zip(groups, spikes):
                row = unpack(x[ctx.i - start], self._projection(g.members[0]).conn.n_pre)
                reads.update({m: row for m in g.members})
            inner = {k: v for k, v in state.items() if k != EXCHANGE}
            new = net._step(inner, input, ctx, reads)
            new[EXCHANGE] = ExchangeState(start, {g.name: x for g, x in zip(groups, spikes)})
        return jax.lax.with_sharding_constraint(new, self.shardings(new))


def _at(state: dict[str, Any], path: str) -> Any:
    for part in path.split("."):
        state = state[part]
    return state


def shard(
    network: Network, mesh: Mesh, axis: str = "neurons", *, window: float | None = None
) -> ShardedNetwork:
    r"""`network` split over the devices of `mesh` along its axis `axis`: each device
    holds a block of every population's neurons and the connections onto them, and
    exchanges spikes with the others inside the compiled loop.

    Populations are split into equal blocks of neurons (block $s$ on device $s$ of
    `axis`); every projection is split by postsynaptic owner
    (`dx.AbstractProjection.shard`): its connectivity's `column_blocks` (CSR, FanOut and
    Dense blocks are cut on the host, once; a `dx.connect.JitProb` stores nothing, each
    device regenerating its block's columns from the same seed, and with `column_tile`
    drawing only the tiles over them). Each step, the spikes
    that the projections read are gathered from every device by one `all_gather`
    (boolean spikes packed 32 to a `uint32` word), and each device propagates them over
    its own connections into its own synapses. Every sum of a postsynaptic neuron is
    formed on one device, over the same connections in the same order as without
    sharding, and random draws (initial state, noise) are those of the unsharded network
    (JAX's partitionable threefry): the same seed gives the same spikes, bit for bit, on
    any number of devices, with the same kernels (`kernel=`: on a CPU, the compiled
    kernels or XLA; Pallas's atomic adds on a GPU sum in no fixed order).

    **The min-delay window.** With `window` (ms), the spikes are exchanged once every
    `window` steps instead of every step: each exchange gathers the spikes that the
    projections will read during the next `window` steps, which they know that far ahead
    when every projection's delay is at least the window minus one step (a delay of
    $d$ steps means a spike is read $d + 1$ steps after it was emitted; with 1.5 ms
    delays at dt = 0.1 ms, a window of up to 1.6 ms). The classic communication scheme
    of NEST and NEURON, with `window` collectives fewer; the result is the same as
    exchanging every step. The window rounds to whole steps of the run's `dt`;
    `dx.simulate` checks it against the delays.

    **Arguments:**

    - `network`: a `dx.Network` (sub-networks included) whose projections can be split:
      `dx.Projection`s and `dx.CurrentDrive`s. A projection with per-connection delays
      (CSR or FanOut) delivers into the ring of its postsynaptic neurons on each device,
      from the spikes of every step: it reads spikes one step ahead only, so a network
      with one takes no window longer than a step.
    - `mesh`: a `jax.sharding.Mesh`.
    - `axis`: the name of the mesh axis that splits the neurons.
    - `window`: the exchange window (ms), or None to exchange every step.

    **Returns:** a `dx.ShardedNetwork` (see the module docstring of `dynax/_shard.py`
    for its state and shardings).

    **Raises:** `ValueError` when a population's size is not a multiple of the number of
    devices along `axis`, or `axis` is not an axis of `mesh`; `NotImplementedError` for
    a projection that cannot be split.
    """
    if not isinstance(network, Network):
        raise TypeError(f"dx.shard splits a dx.Network, got {_describe(network)}.")
    if not isinstance(mesh, Mesh):
        raise TypeError(f"mesh must be a jax.sharding.Mesh, got {_describe(mesh)}.")
    if axis not in mesh.shape:
        raise ValueError(f"the mesh has no axis {axis!r}; its axes are {tuple(mesh.shape)}.")
    # The same devices and names with JAX's automatic sharding (`Auto` axes, Mesh's
    # default): `jax.make_mesh` makes `Explicit` axes, under which the state's sharding
    # constraints would have to be `reshard`s.
    mesh = Mesh(mesh.devices, mesh.axis_names)
    if window is not None:
        check_dt(window, "window")
        window = float(window)
    shards = mesh.shape[axis]
    bad = [
        f"{path} (n={network._population(path).n})"
        for path in network.population_paths()
        if network._population(path).n % shards
    ]
    if bad:
        raise ValueError(
            f"every population must split into {shards} equal blocks (the devices along "
            f"mesh axis {axis!r}), but these sizes are not multiples of {shards}: "
            f"{', '.join(bad)}."
        )

    def split(net: Network) -> Network:
        populations = {
            name: split(pop) if isinstance(pop, Network) else pop
            for name, pop in net.populations.items()
        }
        projections = {name: proj.shard(mesh, axis) for name, proj in net.projections.items()}
        return Network(populations, projections)

    return ShardedNetwork(split(network), mesh, axis, window)
