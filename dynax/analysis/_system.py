"""A model's vector field as a flat function `F(x, p)` of a state vector and parameters."""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float, PyTree
from .._system import DynamicalSystem

INPUT = "input"
"""The parameter name that stands for the model's input (`args` of `vector_field`)."""


class System(eqx.Module):
    r"""A dynamical system as a flat function $F(x, p)$: `x`, `(n,)`, the free state
    variables, `p`, `(k,)`, the chosen parameters, $\dot x = F(x, p)$ (or, for a map,
    $x_{t+1} = G(x, p)$ with $F = G(x, p) - x$). Make one with
    [`dynax.analysis.flat_system`][]; every analysis in `dynax.analysis` works on it.

    The convention, which every analysis relies on:

    - `system(x, p)` is $F$, `(n,)` from `(n,)` and `(k,)`; `system(x)` uses the default
      parameters `system.p0`. It is pure and differentiable, so `jax.jacfwd(system)(x, p)`
      is the Jacobian $\partial F/\partial x$ and `jax.jacfwd(system, argnums=1)`
      $\partial F/\partial p$; it vmaps over `x` and `p`.
    - `x` holds the free variables only: the state pytree's array leaves, ravelled and
      concatenated in tree order (`names` says which is which, e.g. `"S[1]"`), less the
      ones held fixed (`fixed=`) or made parameters (a name in `params=` that is a
      variable's). A held variable keeps its value in `y0` (or the value given).
    - `p[j]` is the parameter `params[j]`: a field of the model (a path like `"tau"`,
      or `"noise.sigma"` for a nested one), replaced with `eqx.tree_at` and broadcast to
      the field's shape (so a per-node field becomes homogeneous); `"input"`, the
      input `args` (broadcast to the shape of `input=`); or a state variable (held at
      `p[j]`, as the slow variable of a fast–slow analysis is). `p0` holds their
      values in the model (a per-node field must be homogeneous to be a parameter).
    - `unflatten(x)` is the state pytree (what `vector_field` takes) with `x` put in
      its free variables; `flatten(y)` is the reverse; `model_at(p)` the model with the
      parameters `p`.
    - `discrete=True` marks a map (a discrete-time model): fixed points are still the
      roots of $F$, and stability reads the eigenvalues of $\partial G/\partial x =
      \partial F/\partial x + 1$ (stable inside the unit circle) instead of their real
      parts.

    **Fields:** `model` (the model, or the plain function), `y0` (the state template),
    `input` (the input `args`), `t` (the time passed to `vector_field`), `p0`, and the
    static `params`, `names` (free variables), `all_names` (every variable), `free`
    (indices of the free variables among all), `held` (indices of variables that are
    parameters, with `held_param` their positions in `p`), `discrete`.
    """

    model: Any
    y0: PyTree[Array]
    input: Any
    t: Array
    p0: Float[Array, " k"]
    x_all: Float[Array, " N"]
    params: tuple[str, ...] = eqx.field(static=True)
    names: tuple[str, ...] = eqx.field(static=True)
    all_names: tuple[str, ...] = eqx.field(static=True)
    free: tuple[int, ...] = eqx.field(static=True)
    held: tuple[int, ...] = eqx.field(static=True)
    held_param: tuple[int, ...] = eqx.field(static=True)
    field_params: tuple[int, ...] = eqx.field(static=True)
    discrete: bool = eqx.field(static=True)
    is_model: bool = eqx.field(static=True)

    @property
    def n(self) -> int:
        """The number of free variables (the length of `x`)."""
        return len(self.free)

    @property
    def k(self) -> int:
        """The number of parameters (the length of `p`)."""
        return len(self.params)

    @property
    def x0(self) -> Float[Array, " n"]:
        """The free variables of `y0`: a natural initial guess."""
        return self.x_all[jnp.asarray(self.free, dtype=int)]

    def index(self, name: str) -> int:
        """The position of the free variable `name` in `x`."""
        if name not in self.names:
            raise ValueError(f"no free variable {name!r}; the free variables are {self.names}.")
        return self.names.index(name)

    def param_index(self, name: str) -> int:
        """The position of the parameter `name` in `p`."""
        if name not in self.params:
            raise ValueError(f"no parameter {name!r}; the parameters are {self.params}.")
        return self.params.index(name)

    def parameters(
        self, values: Mapping[str, ArrayLike] | Float[ArrayLike, " k"] | None = None
    ) -> Float[Array, " k"]:
        """The parameter vector `p`: `p0` (for `None`), `p0` with the named entries
        replaced (for a dict, e.g. `{"I_bias": 0.5}`), or `values` itself (an array;
        not converted, so that gradients pass). Every analysis takes its `p` through
        this."""
        if values is None:
            return self.p0
        if isinstance(values, Mapping):
            p = self.p0
            for name, value in values.items():
                p = p.at[self.param_index(name)].set(jnp.asarray(value, p.dtype))
            return p
        p = jnp.asarray(values)
        if p.shape != self.p0.shape:
            raise ValueError(
                f"p must have shape {self.p0.shape} (the parameters {self.params}); got {p.shape}."
            )
        return p

    def full(self, x: Float[Array, " n"], p: Float[Array, " k"] | None = None) -> Array:
        """Every variable, `(N,)`: `x` in the free ones, `p` in those that are parameters,
        `y0`'s values in the others."""
        x = jnp.asarray(x)
        full = self.x_all.astype(jnp.result_type(x, self.x_all))
        full = full.at[jnp.asarray(self.free, dtype=int)].set(x)
        if self.held:
            p = self.p0 if p is None else jnp.asarray(p)
            full = full.at[jnp.asarray(self.held, dtype=int)].set(
                p[jnp.asarray(self.held_param, dtype=int)].astype(full.dtype)
            )
        return full

    def unflatten(self, x: Float[Array, " n"], p: Float[Array, " k"] | None = None) -> PyTree:
        """The state pytree (the structure of `y0`) holding `x` (and the variables that
        are parameters at `p`)."""
        return _unravel(self.y0, self.full(x, p))

    def flatten(self, y: PyTree) -> Float[Array, " n"]:
        """The free variables of a state pytree `y` (the reverse of `unflatten`)."""
        return _ravel(y)[jnp.asarray(self.free, dtype=int)]

    def model_at(self, p: Float[Array, " k"] | None = None) -> Any:
        """The model with the parameters `p` (default `p0`) put in its fields."""
        p = self.p0 if p is None else jnp.asarray(p)
        if not self.is_model:
            return self.model
        model = self.model
        for j in self.field_params:
            path = self.params[j]
            old = _get(model, path)
            model = eqx.tree_at(
                _getter(path),
                model,
                jnp.broadcast_to(p[j], jnp.shape(old)).astype(jnp.result_type(old)),
            )
        return model

    def input_at(self, p: Float[Array, " k"] | None = None) -> Any:
        """The input (`args`) at the parameters `p`."""
        if INPUT not in self.params:
            return self.input
        p = self.p0 if p is None else jnp.asarray(p)
        value = p[self.params.index(INPUT)]
        return value if self.input is None else jnp.broadcast_to(value, jnp.shape(self.input))

    def __call__(
        self,
        x: Float[Array, " n"],
        p: Float[Array, " k"] | Mapping[str, ArrayLike] | None = None,
    ) -> Float[Array, " n"]:
        p = self.parameters(p)
        y = self.unflatten(x, p)
        if self.is_model:
            dy = self.model_at(p).vector_field(self.t, y, self.input_at(p))
        else:
            dy = self.model(y, p)
        out = _ravel(dy)
        if out.shape != self.x_all.shape:
            raise ValueError(
                f"the vector field returned {out.shape[0]} numbers for a state of "
                f"{self.x_all.shape[0]}; pass y0= with the structure that it takes."
            )
        out = out[jnp.asarray(self.free, dtype=int)]
        return out - x if self.discrete else out

    def jacobian(
        self, x: Float[Array, " n"], p: Float[Array, " k"] | None = None
    ) -> Float[Array, "n n"]:
        """$\\partial F/\\partial x$ at `(x, p)`, `(n, n)` (forward mode)."""
        return jax.jacfwd(self.__call__)(jnp.asarray(x), p)


def flat_system(
    model: Any,
    *,
    params: Sequence[str] | Mapping[str, ArrayLike] = (),
    input: Any = None,
    y0: PyTree[ArrayLike] | None = None,
    fixed: Sequence[str | int] | Mapping[str | int, ArrayLike] | None = None,
    names: Sequence[str] | None = None,
    t: ArrayLike = 0.0,
    discrete: bool = False,
) -> System:
    r"""Turn a model, or a plain function, into a [`dynax.analysis.System`][]: the flat
    function $F(x, p)$, `(n,)` from `(n,)` and `(k,)`, on which every analysis works
    (see `System` for the full convention).

    ```python
    fhn = dx.neurons.SpikingFHN(1)
    F = dx.analysis.flat_system(fhn, params=("I_bias", "a"), y0=(-1.0, -0.5),
                                names=("v", "w"))
    F(jnp.array([-1.2, -0.6]))        # dv/dt, dw/dt at I_bias = 0, a = 0.7
    jax.jacfwd(F)(F.x0, F.p0)         # the Jacobian
    ```

    **Arguments:**

    - `model`: a [`dynax.DynamicalSystem`][] with a `vector_field(t, y, args)`
      (a rate model, a neuron, a CANN...), or a plain function `f(y, p)` of a state `y`
      (an array or any pytree of arrays, the structure of `y0`) and the parameter
      vector `p`, `(k,)`, that returns $dy/dt$ (or, with `discrete=True`, the next state).
    - `params`: the parameters by name, in the order of `p`: for a model, its array
      fields (`"tau"`, `"noise.sigma"`), `"input"` (the input) or state variables (held
      at the parameter's value: the slow variables of a fast–slow analysis); for a
      function, any labels. A dict also gives their default values `p0` (needed for a
      function; for a model they default to the model's and the input's values).
    - `input`: the input passed as `args` (e.g. a current, or `(n,)`); default `None`.
    - `y0`: the state as `vector_field` takes it (a state Module, a tuple, an array):
      the structure of the variables and the values of those held fixed. Default, for a
      model, `model.init()` (rate models and networks; a neuron's `vector_field` takes a
      tuple such as `(v, w)`: pass it); required for a function.
    - `fixed`: variables (names or indices among all variables) held fixed, at their
      value in `y0` or, with a dict, at the given value; they are not in `x`.
    - `names`: the names of all variables, in order; default from the state's structure
      (`"S[0]"` for the first entry of the field `S`, `"[1]"` for a tuple's second).
    - `t`: the time passed to `vector_field` (autonomous systems ignore it); default 0.
    - `discrete`: `True` for a map $x_{t+1} = G(x, p)$ (then $F = G - x$).
    """
    is_model = isinstance(model, DynamicalSystem)
    if not is_model and not callable(model):
        raise TypeError(
            "model must be a dynax.DynamicalSystem with a vector_field(t, y, args) or a "
            f"function f(y, p); got a {type(model).__name__}."
        )
    if y0 is None:
        if not is_model:
            raise ValueError("y0 is required with a plain function: the state's structure.")
        y0 = model.init()
    y0 = jax.tree.map(jnp.asarray, y0)
    x_all = _ravel(y0)
    if not jnp.issubdtype(x_all.dtype, jnp.inexact):
        x_all = x_all.astype(float)
    all_names = tuple(names) if names is not None else _leaf_names(y0)
    if len(all_names) != x_all.shape[0]:
        raise ValueError(
            f"names has {len(all_names)} entries for {x_all.shape[0]} state variables."
        )
    if len(set(all_names)) != len(all_names):
        raise ValueError(f"names must be unique; got {all_names}.")

    defaults = dict(params) if isinstance(params, Mapping) else {}
    param_names = tuple(params)
    if len(set(param_names)) != len(param_names):
        raise ValueError(f"params must be unique; got {param_names}.")
    values: list[Array] = []
    held: list[int] = []
    held_param: list[int] = []
    field_params: list[int] = []
    for j, name in enumerate(param_names):
        if name in all_names:
            held.append(all_names.index(name))
            held_param.append(j)
            default = x_all[all_names.index(name)]
        elif name == INPUT:
            default = _uniform(input if input is not None else 0.0, name)
        elif is_model:
            field_params.append(j)
            default = _uniform(_field(model, name), name)
        elif name not in defaults:
            raise ValueError(
                f"params of a plain function need default values: pass a dict, e.g. "
                f"params={{{name!r}: 0.0}}."
            )
        else:
            default = jnp.asarray(0.0)
        if name in defaults:
            default = jnp.asarray(defaults[name])
            if default.shape != ():
                raise ValueError(f"the value of parameter {name!r} must be a number.")
        values.append(default)
    dtype = x_all.dtype
    p0 = jnp.stack([jnp.asarray(v, dtype) for v in values]) if values else jnp.zeros(0, dtype)

    fixed_idx: set[int] = set()
    if fixed is not None:
        items = fixed.items() if isinstance(fixed, Mapping) else ((f, None) for f in fixed)
        for key, value in items:
            i = _variable(key, all_names)
            fixed_idx.add(i)
            if value is not None:
                x_all = x_all.at[i].set(jnp.asarray(value, dtype))
    free = tuple(i for i in range(len(all_names)) if i not in fixed_idx and i not in held)
    if not free:
        raise ValueError("every variable is fixed: nothing is left to analyse.")
    system = System(
        model=model,
        y0=y0,
        input=input,
        t=jnp.asarray(t, dtype),
        p0=p0,
        x_all=x_all,
        params=param_names,
        names=tuple(all_names[i] for i in free),
        all_names=all_names,
        free=free,
        held=tuple(held),
        held_param=tuple(held_param),
        field_params=tuple(field_params),
        discrete=bool(discrete),
        is_model=is_model,
    )
    # Evaluate once, abstractly: a state of the wrong structure fails here, not later.
    try:
        jax.eval_shape(system, system.x0, system.p0)
    except AttributeError as error:
        if "vector_field" not in str(error):
            raise
        raise TypeError(
            f"{type(model).__name__} has no vector_field(t, y, args) to analyse; pass a "
            "function f(y, p) instead."
        ) from error
    return system


def as_system(system: "System | Callable[..., Any]", **kwargs: Any) -> System:
    """`system` if it is a `System`, else `flat_system(system, **kwargs)`."""
    if isinstance(system, System):
        if kwargs:
            raise ValueError(
                f"{sorted(kwargs)} apply when building a System; this one is built already."
            )
        return system
    return flat_system(system, **kwargs)


def _ravel(tree: PyTree) -> Array:
    leaves = [jnp.ravel(jnp.asarray(leaf)) for leaf in jax.tree.leaves(tree)]
    if not leaves:
        raise ValueError("the state has no variables.")
    return jnp.concatenate(leaves) if len(leaves) > 1 else leaves[0]


def _unravel(template: PyTree, flat: Array) -> PyTree:
    leaves, treedef = jax.tree.flatten(template)
    sizes = np.cumsum([int(np.size(leaf)) for leaf in leaves])[:-1]
    parts = jnp.split(flat, sizes)
    return jax.tree.unflatten(
        treedef, [part.reshape(jnp.shape(leaf)) for part, leaf in zip(parts, leaves)]
    )


def _leaf_names(tree: PyTree) -> tuple[str, ...]:
    names: list[str] = []
    for path, leaf in jax.tree_util.tree_flatten_with_path(tree)[0]:
        base = jax.tree_util.keystr(path).lstrip(".")
        size = int(np.size(leaf))
        if np.ndim(leaf) == 0:
            names.append(base or "x")
        else:
            names.extend(f"{base}[{i}]" if base else f"x[{i}]" for i in range(size))
    return tuple(names)


def _variable(key: str | int, names: tuple[str, ...]) -> int:
    if isinstance(key, int) and not isinstance(key, bool):
        if not 0 <= key < len(names):
            raise ValueError(f"fixed variable index {key} is out of range [0, {len(names)}).")
        return key
    if key not in names:
        raise ValueError(f"fixed variable {key!r} is not a variable; they are {names}.")
    return names.index(key)


def _get(model: Any, path: str) -> Any:
    obj = model
    for part in path.split("."):
        obj = getattr(obj, part)
    return obj


def _getter(path: str) -> Callable[[Any], Any]:
    return lambda model: _get(model, path)


def _field(model: Any, path: str) -> Array:
    try:
        value = _get(model, path)
    except AttributeError:
        fields = sorted(
            name
            for name, value in vars(model).items()
            if eqx.is_inexact_array(value) or isinstance(value, eqx.Module)
        )
        raise ValueError(
            f"{type(model).__name__} has no parameter {path!r}; its array fields are "
            f"{fields}, and 'input' and the state's variables may be parameters too."
        ) from None
    if not eqx.is_inexact_array(value):
        raise ValueError(
            f"parameter {path!r} of {type(model).__name__} is not a float array "
            f"(got {type(value).__name__})."
        )
    return value


def _uniform(value: Any, name: str) -> Array:
    arr = jnp.asarray(value)
    flat = arr.ravel()
    try:
        concrete = np.asarray(flat)
    except jax.errors.TracerArrayConversionError:
        return flat[0]
    if concrete.size == 0 or not np.all(concrete == concrete[0]):
        raise ValueError(
            f"parameter {name!r} must have one value to be a parameter; it has "
            f"{concrete.size} different ones. Use a homogeneous model, or a function."
        )
    return flat[0]
