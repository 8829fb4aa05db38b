"""``python -m gateway_planner`` runs the command-line interface."""

from .cli import app

if __name__ == "__main__":  # pragma: no cover - exercised through a subprocess test
    app(prog_name="gateway-planner")
