"""Test helpers: a local emulator of the Wolkvox Reports Manager API (no account needed)."""
