"""What the chapter notebooks call: page loading, chart-ready views, charts, escaped HTML, the table of contents."""
