"""Reading the portal's pages in tests."""


def main_content(response):
    """The page's <main>: its content, without the navigation (whose CSRF token changes)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]
