"""What the week 18 tests share besides fixtures (those are in conftest.py)."""

KEY = "week18-test-key-0123"
