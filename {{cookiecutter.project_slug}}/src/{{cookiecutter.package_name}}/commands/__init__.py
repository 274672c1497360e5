"""Use cases, independent of the transport: every transport calls the same ones."""
