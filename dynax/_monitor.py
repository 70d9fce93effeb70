"""Monitor functions keyed by what they compute, so that a fresh `lambda` with the same
code does not compile the whole simulation again.

`dx.simulate` compiles its loop once per set of static settings, monitors included. A
monitor written as a `lambda` inside a loop or a notebook cell is a new object on every
call, and keyed by identity it would recompile the run each time (at 4 000 neurons that
takes longer than the run). `FunctionMonitor` compares functions by their code and by the values
they read: closure cells, defaults and the globals their code names. Numbers, strings and
tuples of them compare by value; anything else (arrays, modules, objects) by identity,
and the monitor keeps a reference to it, so that an identity cannot be reused by another
object while a compiled loop keyed on it exists. An object mutated in place is not seen,
as with any function that `jax.jit` has traced.
"""

import types
from collections.abc import Callable
from typing import Any

_PLAIN = (int, float, complex, str, bytes, bool, type(None))


class _Ref:
    """An object compared by identity, kept alive while the key is."""

    def __init__(self, obj: Any):
        self.obj = obj

    def __eq__(self, other):
        return isinstance(other, _Ref) and self.obj is other.obj

    def __hash__(self):
        return id(self.obj)


def _global_names(code: types.CodeType) -> set[str]:
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _global_names(const)
    return names


def _value_key(value: Any, seen: frozenset) -> Any:
    if isinstance(value, _PLAIN):
        return (type(value), value)
    if isinstance(value, tuple):
        return (tuple, tuple(_value_key(v, seen) for v in value))
    if isinstance(value, types.FunctionType) and id(value) not in seen:
        return function_key(value, seen)
    return _Ref(value)


def function_key(fn: Callable, seen: frozenset = frozenset()) -> Any:
    """A hashable key that is equal for two functions that compute the same thing: the
    same code reading the same values. Objects that are not plain functions (callable
    modules, partials) are their own key."""
    if not isinstance(fn, types.FunctionType):
        return _Ref(fn)
    seen = seen | {id(fn)}
    code = fn.__code__
    cells = tuple(_value_key(c.cell_contents, seen) for c in fn.__closure__ or ())
    named = sorted(n for n in _global_names(code) if n in fn.__globals__)
    globals_ = tuple((n, _value_key(fn.__globals__[n], seen)) for n in named)
    defaults = tuple(_value_key(d, seen) for d in fn.__defaults__ or ())
    kwdefaults = tuple(
        (k, _value_key(v, seen)) for k, v in sorted((fn.__kwdefaults__ or {}).items())
    )
    return ("function", code, cells, globals_, defaults, kwdefaults)


class FunctionMonitor:
    """A monitor function, equal to another when `function_key` says they compute the
    same thing (a static argument of the compiled loop)."""

    def __init__(self, fn: Callable):
        self.fn = fn
        self.key = function_key(fn)

    def __call__(self, state: Any) -> Any:
        return self.fn(state)

    def __eq__(self, other):
        return isinstance(other, FunctionMonitor) and self.key == other.key

    def __hash__(self):
        return hash(self.key)
