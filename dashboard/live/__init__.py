"""Live video: owners' sharing policies, purposeful and audited live-view grants, the stream relay
that keeps every device address on the server, and a camera simulator for the demo and the tests."""
