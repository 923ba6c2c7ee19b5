"""CDS Hooks service conforming to HL7 Da Vinci CRD 2.2 (prior-authorization answers in the EHR)."""

from precert.web.cds.config import CdsConfig
from precert.web.cds.routes import router, setup

__all__ = ["CdsConfig", "router", "setup"]
