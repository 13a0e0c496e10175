"""The lca package's exception hierarchy.

One root, :class:`LcaError`, split by who is at fault (STYLE.md habit 5):

- ``InvalidModel``: a product model is wrong (schema, a broken reference, a
  unit that does not match its factor). The modeller must change it.
- ``UnknownMaterial`` / ``UnknownTechnology``: a model names a background
  factor or an electricity technology the shipped background does not have.
  Never a silent zero.
- ``MissingAttribution``: a model's meter has no attribution result for the
  model's period; the attribution must be run first.
- ``InvalidAttribution``: an electricity input does not add up.
- ``BackgroundDataError``: the shipped background file is malformed.
- ``BrightwayError``: Brightway failed; its exception is chained.

Every error carries a stable ``code`` (dotted, lower case, ``lca.`` prefix)
and a message that names the offending values.
"""

from __future__ import annotations

from ledger.errors import CodedError


class LcaError(CodedError):
    """Root of every error the lca package raises on purpose."""

    code = "lca.error"


class InvalidModel(LcaError):
    """A product model breaks its schema or refers to something inconsistent."""

    code = "lca.invalid_model"


class UnknownMaterial(LcaError):
    """A model names a background factor that the background data lacks."""

    code = "lca.unknown_material"


class UnknownTechnology(LcaError):
    """An electricity technology has no life-cycle factor in the background data."""

    code = "lca.unknown_technology"


class MissingAttribution(LcaError):
    """A meter of a model has no attribution result for the model's period."""

    code = "lca.missing_attribution"


class InvalidAttribution(LcaError):
    """An attribution input is inconsistent (negative Wh, claimable > physical, duplicates)."""

    code = "lca.invalid_attribution"


class BackgroundDataError(LcaError):
    """The shipped background data file is malformed or inconsistent."""

    code = "lca.background_invalid"


class BrightwayError(LcaError):
    """Brightway failed; the original exception is chained as ``__cause__``."""

    code = "lca.brightway_failed"
