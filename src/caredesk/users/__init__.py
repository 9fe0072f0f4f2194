"""Users of the platform (staff and customers), their roles and API tokens."""
