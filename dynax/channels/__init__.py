"""Ion channels and ions: the parts a conductance-based neuron
([`dynax.neurons.ConductanceBased`][]) is built from."""

from ._base import (
    AbstractChannel as AbstractChannel,
    AbstractIon as AbstractIon,
    IonConditions as IonConditions,
    ion_current as ion_current,
)
from ._calcium import (
    CalciumDetailed as CalciumDetailed,
    CalciumFirstOrder as CalciumFirstOrder,
    CalciumFixed as CalciumFixed,
    CalciumState as CalciumState,
)
from ._calcium_channel import AbstractCalciumM2H as AbstractCalciumM2H
from ._calcium_hva import (
    InoueStrowbridgeCalciumL as InoueStrowbridgeCalciumL,
    ReuveniCalciumHVA as ReuveniCalciumHVA,
)
from ._calcium_t import (
    HuguenardMcCormickCalciumT as HuguenardMcCormickCalciumT,
    HuguenardPrinceCalciumT as HuguenardPrinceCalciumT,
)
from ._cation import (
    HuguenardMcCormickIh as HuguenardMcCormickIh,
    InoueStrowbridgeCAN as InoueStrowbridgeCAN,
)
from ._driving import GHK as GHK, AbstractDrivingForce as AbstractDrivingForce, Ohmic as Ohmic
from ._gates import (
    AbstractRelaxingChannel as AbstractRelaxingChannel,
    ATypeState as ATypeState,
    MState as MState,
)
from ._hh import HHPotassium as HHPotassium, HHSodium as HHSodium
from ._leak import Leak as Leak
from ._morris_lecar import (
    MorrisLecarCalcium as MorrisLecarCalcium,
    MorrisLecarPotassium as MorrisLecarPotassium,
)
from ._pinsky_rinzel import (
    PinskyRinzelCalcium as PinskyRinzelCalcium,
    PinskyRinzelCalciumPool as PinskyRinzelCalciumPool,
    PinskyRinzelCalciumState as PinskyRinzelCalciumState,
    PinskyRinzelPotassium as PinskyRinzelPotassium,
    PinskyRinzelPotassiumAHP as PinskyRinzelPotassiumAHP,
    PinskyRinzelPotassiumC as PinskyRinzelPotassiumC,
    PinskyRinzelSodium as PinskyRinzelSodium,
)
from ._potassium_a import HuguenardMcCormickPotassiumA as HuguenardMcCormickPotassiumA
from ._potassium_ca import DestexhePotassiumAHP as DestexhePotassiumAHP
from ._states import (
    CState as CState,
    HState as HState,
    MHState as MHState,
    NState as NState,
    PState as PState,
    QState as QState,
    SState as SState,
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
