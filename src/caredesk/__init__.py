"""caredesk: a customer-care platform whose outbound callbacks follow written policy."""

__version__ = "0.1.0"
