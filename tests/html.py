"""Reading the portal's pages in tests."""


def main_content(response):
    """The page's <main>: its content, without the navigation (whose CSRF token changes)."""
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def table_rows(html, table_id, section="tbody"):
    """The text of each cell of the rows of the table `table_id` (or the first table inside the
    element `table_id`), of its `section` (thead, tbody, tfoot), whitespace collapsed: what a
    person reads in it."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.depth = 0  # tables open inside the one wanted, the wanted one included
            self.armed = False  # inside the element named, before its first table
            self.inside = False
            self.rows, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            named = dict(attrs).get("id") == table_id
            if tag != "table" and named:
                self.armed = True
            elif tag == "table" and (self.depth or named or self.armed):
                self.depth += 1
                self.armed = False
            elif self.depth == 1 and tag == section:
                self.inside = True
            elif self.depth == 1 and self.inside and tag == "tr":
                self.rows.append([])
            elif self.depth == 1 and self.inside and tag in ("td", "th"):
                self.cell = []
            elif self.cell is not None and tag in ("div", "p", "br", "li"):
                self.cell.append(" ")  # a line of its own: read apart from the text before it

        def handle_endtag(self, tag):
            if tag == "table" and self.depth:
                self.depth -= 1
            elif self.depth == 1 and tag == section:
                self.inside = False
            elif self.depth == 1 and self.cell is not None and tag in ("td", "th"):
                self.rows[-1].append(" ".join("".join(self.cell).split()))
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Rows()
    parser.feed(html)
    return parser.rows
