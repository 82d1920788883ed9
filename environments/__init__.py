"""Environments: simulated students, gymnasium environments with task spaces, and the task wrapper."""
