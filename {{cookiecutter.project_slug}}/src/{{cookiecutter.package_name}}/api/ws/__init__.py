"""The WebSocket API: one endpoint, `/ws`, speaking the protocol in docs/websocket-protocol.md."""
