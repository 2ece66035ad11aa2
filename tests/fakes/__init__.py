"""In-memory fakes of the connector protocols, honouring their documented semantics (see each module)."""
