"""Ion channels and ions: the parts a conductance-based neuron
([`dynax.neurons.ConductanceBased`][]) is built from."""

from ._base import (
    AbstractChannel as AbstractChannel,
    AbstractIon as AbstractIon,
    IonConditions as IonConditions,
    ion_current as ion_current,
)
from ._hh import HHPotassium as HHPotassium, HHSodium as HHSodium
from ._leak import Leak as Leak
from ._morris_lecar import (
    MorrisLecarCalcium as MorrisLecarCalcium,
    MorrisLecarPotassium as MorrisLecarPotassium,
)
from ._states import (
    HState as HState,
    MHState as MHState,
    NState as NState,
    PState as PState,
    WState as WState,
)
from ._traub_miles import (
    TraubMilesPotassium as TraubMilesPotassium,
    TraubMilesSodium as TraubMilesSodium,
)
from ._wang_buzsaki import (
    WangBuzsakiPotassium as WangBuzsakiPotassium,
    WangBuzsakiSodium as WangBuzsakiSodium,
)
from ._yamada import YamadaPotassium as YamadaPotassium
