"""reportgen: Persian (right-to-left) PDF reports from structured YAML content."""

__version__ = "0.1.0"
