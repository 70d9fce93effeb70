"""Canonical networks."""

from ._ei import coba_network as coba_network, cuba_network as cuba_network
