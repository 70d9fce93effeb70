"""Rate and mean-field models: nodes of a few continuous variables, alone or coupled
into whole-brain networks."""

from ._balloon import (
    BalloonWindkessel as BalloonWindkessel,
    BalloonWindkesselState as BalloonWindkesselState,
)
from ._base import AbstractRateModel as AbstractRateModel
from ._fhn import FHN as FHN, FHNState as FHNState
from ._jansen_rit import JansenRit as JansenRit, JansenRitState as JansenRitState
from ._kuramoto import (
    Kuramoto as Kuramoto,
    KuramotoState as KuramotoState,
    lorentzian_frequencies as lorentzian_frequencies,
)
from ._montbrio import (
    MontbrioPazoRoxin as MontbrioPazoRoxin,
    MontbrioPazoRoxinState as MontbrioPazoRoxinState,
)
from ._stuart_landau import StuartLandau as StuartLandau, StuartLandauState as StuartLandauState
from ._theta import ThetaNeuron as ThetaNeuron, ThetaNeuronState as ThetaNeuronState
from ._threshold_linear import (
    ThresholdLinear as ThresholdLinear,
    ThresholdLinearState as ThresholdLinearState,
)
from ._van_der_pol import VanDerPol as VanDerPol, VanDerPolState as VanDerPolState
from ._whole_brain import WholeBrain as WholeBrain, WholeBrainState as WholeBrainState
from ._wilson_cowan import WilsonCowan as WilsonCowan, WilsonCowanState as WilsonCowanState
from ._wong_wang import WongWang as WongWang, WongWangState as WongWangState
