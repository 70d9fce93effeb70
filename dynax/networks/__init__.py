"""Canonical networks."""

from ._ei import COBA as COBA, CUBA as CUBA
