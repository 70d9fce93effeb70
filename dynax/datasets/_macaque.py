"""The 29-area macaque cortex of Joglekar et al. (2018): inter-areal connectivity (FLN, SLN),
hierarchy and wiring distances (Markov et al. 2014; Chaudhuri et al. 2015), loaded from the
package without network (see `data/NOTICE.md`)."""

import functools
import importlib.resources

import equinox as eqx
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, Float


class MacaqueCortex(eqx.Module):
    """Inter-areal data of 29 areas of macaque cortex, as returned by
    [`dynax.datasets.load_macaque29`][]. Areas are ordered by their position in the
    hierarchy (V1 first, 24c last).

    **Fields:**

    - `areas`: the 29 area names (`"V1"`, `"V2"`, `"V4"`, ..., `"24c"`).
    - `fln`: `(29, 29)` fraction of labelled neurons: `fln[i, j]` is the fraction of the
      neurons projecting to area `i` (the injected target) that lie in area `j`, among
      all labelled neurons outside area `i` (so each row sums to at most 1; the rest
      come from areas outside the 29). Zero diagonal. Values span about six orders of
      magnitude, from about 10⁻⁶ to 0.76.
    - `sln`: `(29, 29)` fraction of those neurons lying in the supragranular layers
      (same orientation): high for feedforward, low for feedback projections.
    - `hierarchy`: `(29,)` the areas' hierarchical positions (V1 = 0, 24c ≈ 3.12),
      fitted to the SLN data; Joglekar et al. divide them by the largest.
    - `distances`: `(29, 29)` wiring distances (mm) along the white matter, symmetric to
      within 0.7 mm (as published), zero diagonal.
    """

    areas: tuple[str, ...] = eqx.field(static=True)
    fln: Float[Array, "29 29"]
    sln: Float[Array, "29 29"]
    hierarchy: Float[Array, " 29"]
    distances: Float[Array, "29 29"]

    def index(self, area: str) -> int:
        """The index of `area` (a name in `areas`), with an error listing the names."""
        if area not in self.areas:
            raise ValueError(f"unknown area {area!r}; the areas are {list(self.areas)}.")
        return self.areas.index(area)


@functools.cache
def _read() -> dict[str, np.ndarray]:
    path = importlib.resources.files(__package__).joinpath("data", "macaque29.npz")
    with path.open("rb") as f, np.load(f) as data:
        return {key: data[key] for key in data.files}


def load_macaque29() -> MacaqueCortex:
    """The 29-area macaque cortex used by Joglekar et al. (2018): the fraction of
    labelled neurons (FLN) and of supragranular labelled neurons (SLN) between the
    areas, their hierarchical positions, and the wiring distances between them.

    The data are the authors' (https://github.com/xjwanglab/JoglekarEtAl2018_Neuron,
    MIT licence), unchanged; see `dynax/datasets/data/NOTICE.md` for their origin.
    Arrays are float64 when x64 is enabled and float32 otherwise.

    ```python
    import dynax as dx

    data = dx.datasets.load_macaque29()
    v1, v2 = data.index("V1"), data.index("V2")
    print(data.areas[:4], float(data.fln[v2, v1]), float(data.distances[v2, v1]))
    ```

    ??? cite "References"

        Markov, N. T., Ercsey-Ravasz, M. M., Ribeiro Gomes, A. R., Lamy, C., Magrou, L.,
        Vezoli, J., et al. (2014). A weighted and directed interareal connectivity matrix
        for macaque cerebral cortex. *Cerebral Cortex*, 24(1), 17–36.

        Chaudhuri, R., Knoblauch, K., Gariel, M.-A., Kennedy, H., & Wang, X.-J. (2015). A
        large-scale circuit mechanism for hierarchical dynamical processing in the
        primate cortex. *Neuron*, 88(2), 419–431.

        Joglekar, M. R., Mejias, J. F., Yang, G. R., & Wang, X.-J. (2018). Inter-areal
        balanced amplification enhances signal propagation in a large-scale circuit
        model of the primate cortex. *Neuron*, 98(1), 222–234.
    """
    raw = _read()
    return MacaqueCortex(
        areas=tuple(str(a) for a in raw["areas"]),
        fln=jnp.asarray(raw["fln"]),
        sln=jnp.asarray(raw["sln"]),
        hierarchy=jnp.asarray(raw["hierarchy"]),
        distances=jnp.asarray(raw["distances"]),
    )
