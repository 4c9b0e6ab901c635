"""Hand-offs between the pipeline's stages: the outbox table, the one registry of routes, their tasks and sweep.

Start with registry.py: its docstring explains the pattern and its table is the whole map.
"""
