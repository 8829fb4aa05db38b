"""gateway-planner: site one-stop public service points where face-to-face customers reach them fastest."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("gateway-planner")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0+unknown"

__all__ = ["__version__"]
