"""Experiments: YAML configs, the runner, logging, the CLI and the plugin registry."""
