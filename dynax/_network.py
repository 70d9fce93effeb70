"""`Network`: populations and the projections between them, in the standard order."""

from typing import Any

import equinox as eqx
import jax

from ._custom_types import Array, PRNGKeyArray
from ._projection import (
    AbstractElectricalProjection,
    AbstractPlasticProjection,
    AbstractProjection,
    Projection,
    _a,
    _describe,
    _propagate,
)
from ._system import Context, DynamicalSystem, name_key
from .inputs import AbstractSource, AbstractSpikeSource
from .neurons import AbstractNeuron, AbstractPopulation
from .neurons._base import check_input
from .synapses import AbstractSynapse


class Network(DynamicalSystem):
    """Populations and the projections between them, advanced in the standard order.

    One step: (1) every projection reads its presynaptic population's spikes of the
    previous step (through its delay buffer) and advances its synapses; (2) each
    population's input is the sum of the currents of the projections onto it plus its
    external input; (3) every population advances.

    The state is a dict keyed like the children: `state["E"].v`, `state["E2I"].syn.g`;
    monitors address it by dotted paths (`"E.v"`), which is why names may not contain
    `"."`. `step`'s `input` is `None` or a dict `{population: input}`, each input `None`,
    a number, an array of shape `()` or `(n,)` of that population, or a
    `dx.AffineCurrent`; anything else raises an error naming the population (while
    tracing, so `dx.simulate` raises it before the run).

    **Networks of networks.** A `Network` may itself be a population of a larger one
    (the areas of a multi-area model). Its state is then nested, `state["V1"]["E"].v`,
    so paths run through the levels (`"V1.E.v"`, `"V1.E2I.syn.g"`), and its input is
    a dict like its own input (`{"V1": {"E": I}}`). A projection of the outer network
    names a population inside a sub-network by its dotted path (`pre="V1.E"`,
    `post="V2.I"`): a dot always means a level, since names contain none. The order
    is the flat one: the outer projections read the spikes of the previous step from
    the nested state and their currents are added to the sub-network's input (before
    its own projections' currents), then the sub-network takes its step (its own
    projections, then its populations). A two-area model therefore computes what the
    same model written flat computes, when the flat one lists the cross-area
    projections before the areas' own.

    **Arguments:**

    - `populations`: `{name: model}`: each a `dx.neurons.AbstractPopulation` (any
      neuron model, a `dx.neurons.AbstractNeuron`), a spike source such as
      `dx.inputs.PoissonGroup` or `dx.inputs.SpikeTimeGroup` (a
      `dx.inputs.AbstractSpikeSource`, which takes no input), or a `dx.Network` (a
      sub-network).
    - `projections`: `{name: projection}`, each a `dx.AbstractProjection`:
      `dx.Projection`s between those populations, and `dx.CurrentDrive`s feeding a
      current into one; `pre` and `post` are population paths (`"E"`, `"V1.E"`).

    Names are non-empty strings without `"."`, distinct across both dicts. Construction
    checks all of this and the sizes of every projection against its populations,
    raising a `TypeError` (wrong kind of model) or `ValueError` (wrong name or size;
    an unknown population path lists the valid ones).
    """

    populations: dict[str, "AbstractPopulation | Network"]
    projections: dict[str, AbstractProjection]

    def __init__(
        self,
        populations: dict[str, "AbstractPopulation | Network"],
        projections: dict[str, AbstractProjection] | None = None,
    ):
        projections = {} if projections is None else projections
        for arg, value in (("populations", populations), ("projections", projections)):
            if not isinstance(value, dict):
                raise TypeError(f"{arg} must be a dict {{name: model}}, got {_describe(value)}.")
        self.populations, self.projections = dict(populations), dict(projections)
        _check_names("population", self.populations)
        _check_names("projection", self.projections)
        clash = set(self.populations) & set(self.projections)
        if clash:
            raise ValueError(f"names used for both a population and a projection: {clash}.")
        sizes = {
            name: None if isinstance(pop, Network) else _population_size(name, pop)
            for name, pop in self.populations.items()
        }
        for name, proj in self.projections.items():
            if not isinstance(proj, AbstractProjection):
                hint = (
                    " It is a population: put it in populations=."
                    if isinstance(proj, AbstractPopulation)
                    else ""
                )
                raise TypeError(
                    f"projections[{name!r}] is {_describe(proj)}, not a projection: "
                    "projections= holds dx.Projection, dx.CurrentDrive or other "
                    f"dx.AbstractProjection models.{hint}"
                )
            for role, target, size in zip(("pre", "post"), (proj.pre, proj.post), proj.sizes()):
                if target is None:
                    continue
                pop = self._population(target, f"projection {name!r} has {role}={target!r}")
                n = sizes[target] if target in sizes else _population_size(target, pop)
                if size is not None and n != size:
                    raise ValueError(
                        f"projection {name!r}: it has n_{role}={size} but "
                        f"population {target!r} has n={n}."
                    )
            if isinstance(proj, AbstractElectricalProjection):
                for target in (proj.pre, proj.post):
                    if not isinstance(self._population(target), AbstractNeuron):
                        raise TypeError(
                            f"projection {name!r} ({type(proj).__name__}) couples membrane "
                            f"potentials, but population {target!r} is not a "
                            "dx.neurons.AbstractNeuron."
                        )
            if isinstance(self._population(proj.post), AbstractSpikeSource):
                raise ValueError(
                    f"projection {name!r} targets {proj.post!r}, a spike source, which "
                    "takes no input."
                )

    def population_paths(self) -> list[str]:
        """The dotted path of every population, through the sub-networks
        (`["V1.E", "V1.I", "V2.E", ...]`)."""
        out: list[str] = []
        for name, pop in self.populations.items():
            if isinstance(pop, Network):
                out.extend(f"{name}.{sub}" for sub in pop.population_paths())
            else:
                out.append(name)
        return out

    def _population(self, path: str, who: str | None = None) -> Any:
        """The population at dotted `path`; an error listing the valid paths (its message
        starting with `who`) when it names none, or names a sub-network."""
        if path in self.population_paths():
            node: Any = self
            for part in path.split("."):
                node = node.populations[part]
            return node
        who = f"population path {path!r}" if who is None else who
        try:
            node = self
            for part in path.split("."):
                node = node.populations[part]
            nested = isinstance(node, Network)
        except (KeyError, AttributeError):
            nested = False
        what = (
            "a sub-network, not a population: name a population inside it"
            if nested
            else "not a population"
        )
        raise ValueError(f"{who}, which is {what}; populations are {self.population_paths()}.")

    def _spikes(self, state: dict[str, Any], name: str) -> Array:
        """The spikes of population `name` (a dotted path through sub-networks) in
        `state`."""
        head, _, rest = name.partition(".")
        pop = self.populations[head]
        if isinstance(pop, Network):  # `rest` names a population inside (checked)
            return pop._spikes(state[head], rest)
        return pop.spikes(state[name])

    def _potentials(self, state: dict[str, Any], name: str) -> Array:
        """The membrane potentials of neuron population `name` (a dotted path) in `state`."""
        head, _, rest = name.partition(".")
        pop = self.populations[head]
        if isinstance(pop, Network):
            return pop._potentials(state[head], rest)
        assert isinstance(pop, AbstractNeuron)  # checked at construction
        return pop.potential(state[name])

    def _propagate_together(
        self, state: dict[str, Any], ctx: Context, reads: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The new states of the `dx.Projection`s, by projection name: those with the same
        `kernel` are propagated by one `dx.ops.event_matvecs` (one Pallas kernel for all
        populations on a GPU), which adds the arriving weights into the decayed synaptic
        variables in place. `reads`: see `_step`."""
        groups: dict[Any, list[str]] = {}
        for name, proj in self.projections.items():
            if isinstance(proj, Projection):
                groups.setdefault(proj.kernel, []).append(name)
        new: dict[str, Any] = {}
        for kernel, names in groups.items():
            projs: list[Projection] = [self.projections[n] for n in names]  # type: ignore[misc]
            states = [state[n] for n in names]
            spikes = [self._spikes(state, p.pre) for p in projs]  # type: ignore[arg-type]
            ctxs = [ctx.child(n) for n in names]
            arrive = None if reads is None else [reads.get(n) for n in names]
            new.update(zip(names, _propagate(projs, states, spikes, ctxs, kernel, arrive)))
        return new

    def _children(self) -> dict[str, DynamicalSystem]:
        return {**self.projections, **self.populations}

    def init(self, key: PRNGKeyArray | None = None) -> dict[str, Any]:
        # One compilation for the whole state: run op by op, the children's initial
        # values cost a compilation each (0.47 s of the COBA network's 0.59 s first init).
        return _init(self, key)

    def _check_input(self, input: Any, where: str = "") -> dict:
        """`input` as a dict, after checking its keys and shapes (static: no run time).
        `where` is the path of this network inside an enclosing one (`"V1."`)."""
        if input is None:
            return {}
        label = f"input[{where[:-1]!r}]" if where else "the input"
        populations = sorted(self.populations)
        if not isinstance(input, dict):
            raise TypeError(
                f"{label} of a Network must be None or a dict {{population: input}}, got "
                f"{_describe(input)}; populations are {populations}."
            )
        unknown = set(input) - set(self.populations)
        if unknown:
            raise ValueError(
                f"{label} has keys {sorted(unknown, key=str)} that are not populations; "
                f"populations are {populations}."
            )
        for name, value in input.items():
            pop, path = self.populations[name], where + name
            if isinstance(pop, Network):
                pop._check_input(value, path + ".")
                continue
            if isinstance(pop, AbstractSpikeSource):
                if value is not None:
                    raise ValueError(
                        f"input[{path!r}]: population {path!r} is a spike source "
                        f"({type(pop).__name__}), which takes no input."
                    )
                continue
            check_input(value, pop.n, f"input[{path!r}] of population {path!r} (n={pop.n})")
        return input

    def step(self, state: dict[str, Any], input: dict | None, ctx: Context) -> dict[str, Any]:
        return self._step(state, input, ctx)

    def _step(
        self,
        state: dict[str, Any],
        input: dict | None,
        ctx: Context,
        reads: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """`step`, where `reads` (`{projection path: spikes}`, paths through the
        sub-networks as `"V1.E2E"`) gives the presynaptic spikes that reach some
        `dx.Projection`s now, in place of those they would read from their delay buffer
        or population: what a sharded network gathered from every device (`dx.shard`)."""
        input = self._check_input(input)
        new: dict[str, Any] = {}
        drive: dict[str, Any] = {name: input.get(name) for name in self.populations}
        new.update(self._propagate_together(state, ctx, reads))
        for name, proj in self.projections.items():
            if name not in new:
                spikes: Any = None if proj.pre is None else self._spikes(state, proj.pre)
                if isinstance(proj, AbstractElectricalProjection):
                    spikes = self._potentials(state, proj.pre)
                elif isinstance(proj, AbstractPlasticProjection):
                    spikes = (spikes, self._spikes(state, proj.post))
                new[name] = proj.step(state[name], spikes, ctx.child(name))
            current = proj.current(new[name])
            post: Any = (
                self._population(proj.post) if "." in proj.post else self.populations[proj.post]
            )
            check_input(current, post.n, f"the current of projection {name!r} into {proj.post!r}")
            _add_current(drive, proj.post, current)
        for name, pop in self.populations.items():
            if isinstance(pop, Network) and reads is not None:
                inner = {
                    k[len(name) + 1 :]: v for k, v in reads.items() if k.startswith(name + ".")
                }
                new[name] = pop._step(state[name], drive[name], ctx.child(name), inner)
            else:
                new[name] = pop.step(state[name], drive[name], ctx.child(name))
        return new


def _add_current(drive: dict[str, Any], path: str, current: Any) -> None:
    """Add `current` to `drive` at dotted `path`, copying the nested dicts it passes
    through (a sub-network's input may be the caller's dict)."""
    head, _, rest = path.partition(".")
    if rest:
        inner = dict(drive[head] or {})
        _add_current(inner, rest, current)
        drive[head] = inner
    else:
        old = drive.get(head)
        drive[head] = current if old is None else current + old


def _check_names(kind: str, names: Any) -> None:
    """Names must address a child by a dotted state path: non-empty, no ".", a str."""
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"{kind} names must be strings, got {_describe(name)}.")
        if not name or "." in name:
            raise ValueError(
                f"{kind} name {name!r} is not allowed: names must be non-empty and "
                'contain no "." (state paths are dotted, e.g. "E.v").'
            )


def _population_size(name: str, pop: Any) -> int:
    """The size `n` of population `name`, after checking that `pop` is a population (or
    a spike source) whose spikes are an `(n,)` vector. Shapes only: no computation."""
    if isinstance(pop, AbstractPopulation):  # neurons and spike sources

        def spikes():
            return pop.spikes(pop.init(jax.random.key(0)))

    else:
        if isinstance(pop, AbstractSource):  # a source of currents, not of spikes
            raise TypeError(
                f"populations[{name!r}] is {_a(type(pop).__name__)}, whose output is not a "
                "spike vector: a source of currents drives a population through a "
                "dx.CurrentDrive in projections= or through inputs= of dx.simulate."
            )
        if isinstance(pop, AbstractProjection):
            hint = " It is a projection: put it in projections=."
        elif isinstance(pop, AbstractSynapse):
            hint = " It is a synapse: it belongs in a dx.Projection."
        else:
            hint = ""
        raise TypeError(
            f"populations[{name!r}] is {_describe(pop)}, not a population: populations= "
            "holds neuron models (dx.neurons.AbstractPopulation, such as "
            "dx.neurons.LIF), spike sources (dx.inputs.PoissonGroup, "
            f"dx.inputs.SpikeTimeGroup) and sub-networks (dx.Network).{hint}"
        )
    try:
        out = jax.eval_shape(spikes)
    except AttributeError as e:
        raise TypeError(
            f"populations[{name!r}] ({type(pop).__name__}): its spikes cannot be read from "
            f"its state ({e}); a dx.neurons.AbstractNeuron keeps them in a state field "
            "`spike`."
        ) from e
    if out.shape != (pop.n,):
        raise ValueError(
            f"populations[{name!r}] ({type(pop).__name__}) has n={pop.n} but its spikes "
            f"have shape {out.shape}."
        )
    return pop.n


@eqx.filter_jit
def _init(network: Network, key: PRNGKeyArray | None) -> dict[str, Any]:
    state = {
        name: child.init(None if key is None else name_key(key, name))
        for name, child in network._children().items()
    }
    for name, proj in network.projections.items():
        if isinstance(proj, Projection) and proj.pre is not None:
            spikes = network._spikes(state, proj.pre)
            state[name] = proj._with_spike_dtype(state[name], spikes.dtype)
    return state
