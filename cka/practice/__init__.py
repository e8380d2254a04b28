"""Graded practice tasks: tasks (the schema, no cluster code), runner (setup and reset on the
cluster), grading, state, exam (the mock exam), reports, honesty (`make practice-check`)."""
