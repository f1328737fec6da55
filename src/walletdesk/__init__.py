"""walletdesk: the customer-service platform of a digital wallet."""

__version__ = "0.1.0"
