"""The HTTP face: app factory, problem documents, authentication, pages."""
