"""Charts: the briefing's charts and the lobby poster, drawn with matplotlib (Agg).

Modules, in the order data flows:

    fonts      which font draws the Chinese, so that no character is a box
    chartkit   the one look of the charts and poster, and their shared helpers
    figures    the briefing's charts, print quality for an A4 page
    poster     the 擂台榜 poster, one 1920×1080 PNG for the lobby screen
    render     what the painter calls: every chart of a period, and the poster
    painter    charts and poster drawn in a worker process, beside the rest of a run
"""
