"""The session workflow's steps, in order: validate → enrich → interpret → embed → store.

Each step is a function over the run's inputs and earlier checkpoints that returns its own output;
processing.services.session_process runs them, checkpointing each output before the next starts."""
