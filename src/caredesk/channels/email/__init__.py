"""Email: the SMTP sender, the log sender for demos, and calendar invitations."""
