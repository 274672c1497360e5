"""Redis-backed implementations of the shared interfaces: rate limiter, cache, broadcaster."""
