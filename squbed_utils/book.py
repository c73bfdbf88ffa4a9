"""The browsable book: a static HTML site of one run's executed notebooks, with the README as its front page.

``make book`` (``python -m squbed_utils.book --profile default``) turns the
executed notebooks of ``output/<profile>/`` into ``book/<profile>/``: one page
per notebook (nbconvert's ``lab`` template; figures are the notebooks' own
inline images), ``index.html`` from ``README.md``, ``figures.html`` from the
figure index (``figures/README.md``) with every figure shown, ``course.html``
from the course guide (``docs/course.md``), and a sidebar on
every page that links them all. "notebook 05" in a notebook's text becomes a
link to that notebook's page, and links to ``.ipynb`` files become links to
their pages. Cells tagged ``remove-input`` (the takeaways' code) show only their
output, cells tagged ``remove-output`` (the interactive controls, which need a
live kernel) only their code, and cells tagged ``remove-cell`` are left out.

Jupyter Book 2 (MyST) was the first choice, but its HTML theme is downloaded at
build time (``api.mystmd.org``), which fails offline and on CI, so the book is
built with nbconvert, which is already installed. The site is plain files: any
static host serves it (see the README for GitHub Pages), and it needs no network
to read: MathJax is copied into it (``_static/mathjax``).

:func:`broken_links` checks a built site: every page's relative links, anchors
and images must resolve (``tests/test_notebooks.py`` builds the book of the
``tiny`` run and calls it).
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import nbformat

__all__ = ["NOTEBOOK_REFERENCE", "build_book", "broken_links", "link_notebook_mentions", "main"]

ROOT = Path(__file__).resolve().parents[1]
#: "notebook 05", "notebooks 08-10": the mentions that become links (the first number of a range is linked).
NOTEBOOK_REFERENCE = re.compile(r"(?<![\[\w/])(notebooks?\s+)(\d{2})\b")

_STYLE = """
<style>
  body { margin: 0; }
  .book-nav { position: fixed; top: 0; left: 0; bottom: 0; width: 15rem; overflow-y: auto; padding: 1rem;
              background: #f6f6f4; border-right: 1px solid #ddd; font: 14px/1.45 system-ui, sans-serif; z-index: 10; }
  .book-nav a { display: block; padding: 0.2rem 0.3rem; color: #24292f; text-decoration: none; border-radius: 4px; }
  .book-nav a:hover { background: #e6e6e1; }
  .book-nav a.current { background: #dde7f3; font-weight: 600; }
  .book-nav .book-title { font-weight: 700; margin-bottom: 0.6rem; }
  .book-page { margin-left: 16.5rem; padding: 1rem 2rem 3rem; max-width: 62rem; }
  .book-page img { max-width: 100%; }
  .book-pager { display: flex; justify-content: space-between; margin-top: 2rem; font: 15px system-ui, sans-serif; }
  .book-markdown { font: 16px/1.6 system-ui, sans-serif; }
  .book-markdown table { border-collapse: collapse; } .book-markdown td, .book-markdown th { border: 1px solid #ccc; padding: 0.2rem 0.5rem; }
  .book-markdown pre { background: #f6f8fa; padding: 0.6rem; overflow-x: auto; }
  .book-markdown a { color: #0b5cad; }
  .book-figure { margin: 1.5rem 0; } .book-figure img { border: 1px solid #eee; }
  /* a takeaway (its code removed) reads as text, without the In/Out prompts of a code cell */
  .celltag_remove-input .jp-OutputPrompt, .celltag_remove-input .jp-InputPrompt { visibility: hidden; }
</style>
"""
#: MathJax 2, served from the site itself (shipped by the jupyter-server-mathjax package), so that equations render
#: offline too; only what the TeX-to-HTML path needs is copied.
MATHJAX_URL = "_static/mathjax/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
_MATHJAX_SKIP = ("localization", "SVG")


def _title(notebook, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


def link_notebook_mentions(markdown: str, pages: dict[str, str]) -> str:
    """``markdown`` with "notebook NN" turned into a link to notebook NN's page (``pages``: number -> file).

    Mentions inside inline code or already inside a link are left alone.
    """
    parts = re.split(r"(`[^`]*`|\[[^\]]*\]\([^)]*\))", markdown)
    for i in range(0, len(parts), 2):
        parts[i] = NOTEBOOK_REFERENCE.sub(
            lambda m: f"[{m.group(1)}{m.group(2)}]({pages[m.group(2)]})" if m.group(2) in pages else m.group(0),
            parts[i])
    return "".join(parts)


def _rewrite_links(markdown: str, pages: dict[str, str]) -> str:
    """Links to ``.ipynb`` files (``notebooks/04_decomposition.ipynb``) and to the course guide become page links."""
    markdown = re.sub(r"\]\((\.\./)?docs/course\.md\)", "](course.html)", markdown)
    by_stem = {Path(page).stem: page for page in pages.values()}

    def page_of(match):
        stem = Path(match.group(2)).stem
        return f"]({by_stem[stem]}{match.group(3) or ''})" if stem in by_stem else match.group(0)

    return re.sub(r"\]\(([^)]*/)?([^)/#]+\.ipynb)(#[^)]*)?\)", lambda m: page_of(m), markdown)


def _sidebar(entries: list[tuple[str, str]], current: str) -> str:
    links = "".join(f'<a href="{href}"{" class=current" if href == current else ""}>{html.escape(label)}</a>'
                    for href, label in entries)
    return f'<nav class="book-nav"><div class="book-title">S-QUBED companion</div>{links}</nav>'


def _pager(entries: list[tuple[str, str]], current: str) -> str:
    hrefs = [href for href, _ in entries]
    i = hrefs.index(current)
    previous = f'<a href="{hrefs[i - 1]}">&larr; {html.escape(entries[i - 1][1])}</a>' if i > 0 else "<span></span>"
    following = (f'<a href="{hrefs[i + 1]}">{html.escape(entries[i + 1][1])} &rarr;</a>'
                 if i + 1 < len(hrefs) else "<span></span>")
    return f'<div class="book-pager">{previous}{following}</div>'


def _page(body: str, title: str, entries, current: str, head: str) -> str:
    return (f"<!DOCTYPE html>\n<html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"{head}{_STYLE}</head><body>{_sidebar(entries, current)}"
            f"<main class='book-page'>{body}{_pager(entries, current)}</main></body></html>\n")


def _markdown_page(markdown: str) -> str:
    from nbconvert.filters import markdown2html

    return f"<div class='book-markdown'>{markdown2html(markdown)}</div>"


def _exporter():
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_input_tags = {"remove-input"}
    config.TagRemovePreprocessor.remove_cell_tags = {"remove-cell"}
    config.TagRemovePreprocessor.remove_all_outputs_tags = {"remove-output"}
    return HTMLExporter(config=config, template_name="lab", mathjax_url=MATHJAX_URL)


def _notebook_html(exporter, notebook) -> tuple[str, str]:
    """(head, body) of nbconvert's lab page for ``notebook``, so the book can wrap the body in its own frame.

    The head holds the lab styles and the MathJax loader; an empty notebook's head serves the markdown pages.
    """
    page, _ = exporter.from_notebook_node(notebook)
    head = re.search(r"<head>(.*?)</head>", page, re.S).group(1)
    head = re.sub(r"<title>.*?</title>", "", head, flags=re.S)
    body = re.search(r"<body[^>]*>(.*)</body>", page, re.S).group(1)
    return head, body


def _copy_mathjax(out_dir: Path) -> None:
    import jupyter_server_mathjax

    source = Path(jupyter_server_mathjax.__file__).parent / "static"
    shutil.copytree(source, out_dir / "_static" / "mathjax", ignore=shutil.ignore_patterns(*_MATHJAX_SKIP))


def build_book(executed_dir: str | Path, out_dir: str | Path, *, readme: str | Path = ROOT / "README.md",
               figures_dir: str | Path = ROOT / "figures") -> list[Path]:
    """Build the site of the executed notebooks in ``executed_dir`` into ``out_dir``; return the pages written.

    Raises
    ------
    FileNotFoundError
        If ``executed_dir`` holds no executed numbered notebook (run ``make`` or ``make tiny`` first).
    """
    executed_dir, out_dir, figures_dir = Path(executed_dir), Path(out_dir), Path(figures_dir)
    notebooks = sorted(executed_dir.glob("[0-9][0-9]_*.ipynb"))
    notebooks = [path for path in notebooks if not path.name.endswith(".part.ipynb")]
    if not notebooks:
        raise FileNotFoundError(f"no executed notebooks in {executed_dir}: run `make` (or `make tiny`) first")
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    pages = {path.name[:2]: f"{path.stem}.html" for path in notebooks}
    parsed = {path: nbformat.read(path, as_version=4) for path in notebooks}
    entries = [("index.html", "Home (README)")]
    entries += [(pages[path.name[:2]], f"{path.name[:2]} · {_title(parsed[path], path.stem).split('·')[-1].strip()}")
                for path in notebooks]
    entries.append(("figures.html", "Figures"))
    course = Path(readme).parent / "docs" / "course.md"
    if course.is_file():
        entries.append(("course.html", "Teaching with it (course)"))

    # figures: copied beside the pages, so the README's and the index's image links resolve
    (out_dir / "figures").mkdir()
    figure_names = []
    for image in sorted(figures_dir.glob("*.png")):
        shutil.copy2(image, out_dir / "figures" / image.name)
        figure_names.append(image.stem)

    _copy_mathjax(out_dir)
    exporter = _exporter()
    plain_head, _ = _notebook_html(exporter, nbformat.v4.new_notebook())
    written = []
    readme_text = _rewrite_links(link_notebook_mentions(Path(readme).read_text(), pages), pages)
    (out_dir / "index.html").write_text(_page(_markdown_page(readme_text), "S-QUBED companion", entries, "index.html",
                                                 plain_head))
    written.append(out_dir / "index.html")

    for path, notebook in parsed.items():
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                cell.source = _rewrite_links(link_notebook_mentions(cell.source, pages), pages)
        head, body = _notebook_html(exporter, notebook)
        target = out_dir / pages[path.name[:2]]
        target.write_text(_page(body, _title(notebook, path.stem), entries, target.name, head))
        written.append(target)

    index = figures_dir / "README.md"
    figures_md = index.read_text() if index.is_file() else ""
    # the index links each figure's file beside it and names its notebook in code; here they point into the book
    figures_md = re.sub(r"\]\(([\w-]+)\.png\)", r"](#\1)", figures_md)
    figures_md = re.sub(r"`(\d{2})_([\w]+)\.ipynb`",
                        lambda m: f"[{m.group(1)}_{m.group(2)}]({pages[m.group(1)]})" if m.group(1) in pages
                        else m.group(0), figures_md)
    gallery = "".join(f"<figure class='book-figure' id='{name}'><img src='figures/{name}.png' alt='{name}'>"
                      f"<figcaption><code>{name}</code></figcaption></figure>" for name in figure_names)
    (out_dir / "figures.html").write_text(_page(_markdown_page(figures_md) + gallery, "Figures", entries,
                                                "figures.html", plain_head))
    written.append(out_dir / "figures.html")
    if course.is_file():
        course_md = _rewrite_links(course.read_text(), pages)
        (out_dir / "course.html").write_text(_page(_markdown_page(course_md), "Teaching with it", entries,
                                                   "course.html", plain_head))
        written.append(out_dir / "course.html")
    return written


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links, self.ids = [], set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            self.ids.add(attrs["name"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append((tag, attrs[name]))


def _parse(page: Path) -> _Links:
    parser = _Links()
    parser.feed(page.read_text())
    return parser


def broken_links(site: str | Path) -> list[str]:
    """Every relative link, anchor or image of the site's pages that does not resolve, as "page: link (why)".

    External links (``http(s)://``, ``mailto:``) and inline images (``data:``) are not checked.
    """
    site = Path(site)
    parsed = {page: _parse(page) for page in site.glob("*.html")}
    problems = []
    for page, links in parsed.items():
        for tag, link in links.links:
            parts = urlsplit(link)
            if parts.scheme in ("http", "https", "mailto", "data") or link.startswith("//"):
                continue
            target = (page.parent / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_file():
                problems.append(f"{page.name}: {link} (no such file)")
            elif parts.fragment and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else _parse(target).ids
                # browsers try the fragment as written, then percent-decoded (nbconvert's ids are encoded)
                if parts.fragment not in ids and unquote(parts.fragment) not in ids:
                    problems.append(f"{page.name}: {link} (no anchor #{parts.fragment} in {target.name})")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Build the HTML book of a profile's executed notebooks.")
    parser.add_argument("--profile", default="default", help="whose executed notebooks (output/PROFILE)")
    parser.add_argument("--out", default=None, help="where to write the site (default: book/PROFILE)")
    args = parser.parse_args(argv)
    from .profiles import get_profile

    settings = get_profile(args.profile)
    out_dir = Path(args.out) if args.out else ROOT / "book" / args.profile
    pages = build_book(ROOT / "output" / args.profile, out_dir, figures_dir=settings.figures_dir)
    problems = broken_links(out_dir)
    print(f"{len(pages)} pages in {out_dir}; open {out_dir / 'index.html'}")
    for problem in problems:
        print("broken link:", problem)
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
