"""The requirement's criteria as data and checks (one module per area)."""
