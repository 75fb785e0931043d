"""The HTTP server: the FastAPI app factory (:func:`~cartwise.server.app.create_app`), its
routes, schemas, error translation and middleware."""
