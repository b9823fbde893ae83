"""Mock of nq71, the provincial monitoring system behind its WSO2 gateway (contracts/nq71.md)."""

from mock_servers.nq71.app import create_app
from mock_servers.nq71.config import Nq71MockConfig

__all__ = ["Nq71MockConfig", "create_app"]
