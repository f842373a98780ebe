"""Template filters that read a figure by its key (dashboard.registry), so that a table or a card
can list the registry's figures instead of naming each one."""

from django import template

from dashboard import registry

register = template.Library()


@register.filter
def figure(figures, key):
    """The figure `key` of `figures` (a dashboard.figures.Figures, or an enterprise given its own
    by dashboard.figures.enterprise_figures)."""
    return getattr(figures, key)


@register.filter
def ratio_parts(figures, key):
    """(numerator, denominator) of the percentage or rate `key`: what it rests on."""
    declared = registry.by_key()[key]
    return getattr(figures, declared.numerator), getattr(figures, declared.denominator)


@register.simple_tag
def rate_cards():
    """The percentages and rates of the district table: [(key, title, kind)] (dashboard.registry)."""
    return registry.rate_cards()
