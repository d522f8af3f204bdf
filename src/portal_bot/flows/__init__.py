"""Flows as data: YAML syntax (schema) → compiled steps (steps, values) → execution (runner, locate)."""
