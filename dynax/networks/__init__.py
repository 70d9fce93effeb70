"""Canonical networks."""

from ._brunel import brunel_network as brunel_network
from ._cann import CANN1D as CANN1D, CANN1DState as CANN1DState
from ._cann2d import CANN2D as CANN2D, CANN2DState as CANN2DState
from ._cobahh import cobahh_network as cobahh_network
from ._decision import decision_network as decision_network
from ._ei import coba_network as coba_network, cuba_network as cuba_network
from ._multi_area import (
    MultiAreaRate as MultiAreaRate,
    MultiAreaRateState as MultiAreaRateState,
    multi_area_rate as multi_area_rate,
    pulse_amplitude as pulse_amplitude,
)
from ._multi_area_spiking import multi_area_spiking as multi_area_spiking
from ._rate_rnn import (
    NONLINEARITIES as NONLINEARITIES,
    RateRNN as RateRNN,
    RateRNNState as RateRNNState,
    rate_rnn as rate_rnn,
)
from ._spiking_rnn import (
    SpikingRNN as SpikingRNN,
    SpikingRNNState as SpikingRNNState,
    spiking_rnn as spiking_rnn,
)
from ._stdp import coba_stdp_network as coba_stdp_network
