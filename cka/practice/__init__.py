"""Graded practice tasks: tasks (the schema, no cluster code), runner (setup and reset on the
cluster), grading (with the learner's feedback), state, exam (the mock exam), reports, honesty
(`make practice-check`), history (every graded attempt), progress (the diagnostic) and drill
(the next task to practise)."""
