"""theodoinq's routes as one FastAPI router per resource; the mock comes from the app's state."""
