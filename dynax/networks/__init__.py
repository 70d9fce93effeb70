"""Canonical networks."""

from ._brunel import brunel_network as brunel_network
from ._cobahh import cobahh_network as cobahh_network
from ._decision import decision_network as decision_network
from ._ei import coba_network as coba_network, cuba_network as cuba_network
from ._stdp import coba_stdp_network as coba_stdp_network
