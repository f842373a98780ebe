"""Pure helpers every app may use; this package imports no app of the project."""
