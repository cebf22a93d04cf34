"""Cauce: a self-hosted data integration engine for email marketing.

Cauce keeps CRM, email service provider (ESP) and shop data flowing: contacts
into the ESP audience, campaign activity back into the CRM, orders attributed
to the campaigns that earned them. See ``ARCHITECTURE.md`` for the layers.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
