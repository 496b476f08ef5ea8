"""The batch pipeline: engine registry, orchestration, step recording."""
