"""STYLE rule 2: abstract or final. No public concrete class is subclassed."""

import abc
import inspect
import pkgutil

import dynax as dx


def public_classes():
    seen = {}
    modules = [dx] + [
        getattr(dx, m.name) for m in pkgutil.iter_modules(dx.__path__) if not m.name.startswith("_")
    ]
    for module in modules:
        for name in getattr(module, "__all__", dir(module)):
            obj = getattr(module, name, None)
            if inspect.isclass(obj) and obj.__module__.startswith("dynax"):
                seen[f"{module.__name__}.{name}"] = obj
    return seen


def is_abstract(cls):
    named = cls.__name__.startswith("Abstract")
    return inspect.isabstract(cls) or named or cls is dx.DynamicalSystem


def test_concrete_classes_are_final():
    classes = public_classes()
    assert len(classes) > 20
    for name, cls in classes.items():
        for base in cls.__mro__[1:]:
            if base.__module__.startswith("dynax"):
                assert is_abstract(base), f"{name} subclasses the concrete class {base.__name__}"


def test_abstract_bases_cannot_be_instantiated():
    for name, cls in public_classes().items():
        if cls.__name__.startswith("Abstract"):
            assert isinstance(cls, abc.ABCMeta) and cls.__abstractmethods__, name
