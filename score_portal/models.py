"""The project package holds no models: they live in the apps (README, "Layout")."""
