"""For Piccolo's own command line run from the repository root (e.g. `piccolo migrations check`)."""

from exchange.piccolo_conf import APP_REGISTRY, DB  # noqa: F401
