"""Small datasets packaged with dynax and loaded without network access: human structural
connectomes with resting-state fMRI (`load_connectome`)."""

from ._connectome import (
    Connectome as Connectome,
    load_connectome as load_connectome,
    names as names,
    normalise_counts as normalise_counts,
)
from ._macaque import MacaqueCortex as MacaqueCortex, load_macaque29 as load_macaque29
