"""Rate and mean-field models: nodes of a few continuous variables, alone or coupled
into whole-brain networks."""

from ._balloon import (
    BalloonWindkessel as BalloonWindkessel,
    BalloonWindkesselState as BalloonWindkesselState,
)
from ._base import AbstractRateModel as AbstractRateModel
from ._fhn import FHN as FHN, FHNState as FHNState
from ._jansen_rit import JansenRit as JansenRit, JansenRitState as JansenRitState
from ._montbrio import (
    MontbrioPazoRoxin as MontbrioPazoRoxin,
    MontbrioPazoRoxinState as MontbrioPazoRoxinState,
)
from ._stuart_landau import StuartLandau as StuartLandau, StuartLandauState as StuartLandauState
from ._theta import ThetaNeuron as ThetaNeuron, ThetaNeuronState as ThetaNeuronState
from ._whole_brain import WholeBrain as WholeBrain, WholeBrainState as WholeBrainState
from ._wilson_cowan import WilsonCowan as WilsonCowan, WilsonCowanState as WilsonCowanState
from ._wong_wang import WongWang as WongWang, WongWangState as WongWangState
