"""The web doors: one FastAPI app serving the staff page, the REST API and CDS Hooks."""
