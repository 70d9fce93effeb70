"""Neuron models."""

from ._adex import AdExIF as AdExIF, AdExIFState as AdExIFState
from ._adquaif import AdQuaIF as AdQuaIF, AdQuaIFState as AdQuaIFState
from ._alif import ALIF as ALIF, ALIFState as ALIFState
from ._base import (
    AbstractNeuron as AbstractNeuron,
    AbstractPopulation as AbstractPopulation,
)
from ._conductance import (
    AbstractConductanceNeuron as AbstractConductanceNeuron,
    ConductanceBased as ConductanceBased,
    ConductanceBasedState as ConductanceBasedState,
)
from ._expif import ExpIF as ExpIF, ExpIFState as ExpIFState
from ._fhn import SpikingFHN as SpikingFHN, SpikingFHNState as SpikingFHNState
from ._gif import GIF as GIF, GIFState as GIFState
from ._hh import HH as HH
from ._hindmarsh_rose import (
    HindmarshRose as HindmarshRose,
    HindmarshRoseState as HindmarshRoseState,
)
from ._if import IF as IF, IFState as IFState
from ._izhikevich import Izhikevich as Izhikevich, IzhikevichState as IzhikevichState
from ._leaky_integrator import (
    LeakyIntegrator as LeakyIntegrator,
    LeakyIntegratorState as LeakyIntegratorState,
)
from ._lif import LIF as LIF, LIFState as LIFState
from ._morris_lecar import MorrisLecar as MorrisLecar
from ._pinsky_rinzel import PinskyRinzel as PinskyRinzel, PinskyRinzelState as PinskyRinzelState
from ._quaif import QuaIF as QuaIF, QuaIFState as QuaIFState
from ._wang_buzsaki import WangBuzsaki as WangBuzsaki
