"""Students: learners that take lessons from a teacher and report feedback."""
