"""The coverage report of one run (`--report PATH`, `--report-md PATH`): the failures first, an
operation-by-status matrix, then per operation the cases sent, statuses seen, checks run and each failure's
`curl` line, and the spec's promises. `content` computes it; `html_report` and `markdown_report` render it."""

from malomo_contract.report.html_report import render_html
from malomo_contract.report.markdown_report import render_markdown

__all__ = ["render_html", "render_markdown"]
