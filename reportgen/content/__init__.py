"""Content: YAML read with its positions into typed, validated models."""
