"""The Wolkvox API as HTTP: a connection's settings, one request, its answer read into typed rows."""
