"""Tasks made in code (no downloads): chaotic series to predict and cognitive tasks
to train networks on, each returning arrays of inputs and targets."""

from ._decision import (
    COHERENCES as COHERENCES,
    delayed_match_to_sample as delayed_match_to_sample,
    perceptual_decision_making as perceptual_decision_making,
)
from ._evidence import evidence_accumulation as evidence_accumulation
from ._neurogym import from_neurogym as from_neurogym
from ._series import lorenz as lorenz, mackey_glass as mackey_glass
from ._trials import Trials as Trials
