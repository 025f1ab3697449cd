"""The chart of tests/perf/compare.sh: grouped bars as a plain SVG file, written by hand because no plotting library
is installed on the machines that run it (standard library only)."""
from xml.sax.saxutils import escape

COLOURS = {'ours': '#2b6cb0', 'base': '#90cdf4', 'libmilter': '#dd6b20', 'pymilter': '#38a169'}
PANEL_WIDTH, PANEL_HEIGHT, BAR_AREA = 950, 290, 190


def short(value):
    """A bar's label: three significant figures at most."""
    if value is None:
        return 'n/a'
    if value >= 999.5:
        return '%.1fk' % (value / 1000)
    if value >= 99.95:
        return '%.0f' % value
    if value >= 9.995:
        return '%.1f' % value
    return '%.2f' % value


def panel(x0, y0, title, groups, milters, labels):
    """One panel: groups is a list of (group label, {milter: value})."""
    parts = ['<text x="%d" y="%d" font-size="14" font-weight="bold">%s</text>' % (x0 + 10, y0 + 20, escape(title))]
    top = max([v for _, values in groups for v in values.values() if v is not None] + [1e-9])
    base = y0 + 40 + BAR_AREA
    group_width = (PANEL_WIDTH - 20) / len(groups)
    bar_width = min(36, (group_width - 16) / len(milters))
    for g, (group_label, values) in enumerate(groups):
        left = x0 + 10 + g * group_width + (group_width - bar_width * len(milters)) / 2
        for m, milter in enumerate(milters):
            value = values.get(milter)
            height = 0 if value is None else max(1, value / top * BAR_AREA)
            x = left + m * bar_width
            parts.append('<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>' % (
                x, base - height, bar_width - 3, height, COLOURS[milter], escape(labels[milter]), short(value)))
            parts.append('<text x="%.1f" y="%.1f" font-size="10" text-anchor="middle">%s</text>' % (
                x + (bar_width - 3) / 2, base - height - 4, short(value)))
        for line_number, line in enumerate(group_label.split('\n')):
            parts.append('<text x="%.1f" y="%d" font-size="11" text-anchor="middle">%s</text>' % (
                x0 + 10 + (g + 0.5) * group_width, base + 16 + 13 * line_number, escape(line)))
    parts.append('<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#888"/>' % (x0 + 10, base, x0 + PANEL_WIDTH - 10, base))
    return parts


def write(path, title, panels, milters, labels):
    """panels: (title, groups) pairs, one to a row (a panel holds every configuration)."""
    width, height = PANEL_WIDTH + 20, 60 + len(panels) * PANEL_HEIGHT
    parts = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" '
             'font-family="DejaVu Sans, Arial, sans-serif">' % (width, height, width, height),
             '<rect width="100%" height="100%" fill="white"/>',
             '<text x="20" y="24" font-size="15" font-weight="bold">%s</text>' % escape(title)]
    x = 20
    for milter in milters:
        parts.append('<rect x="%d" y="36" width="12" height="12" fill="%s"/>' % (x, COLOURS[milter]))
        parts.append('<text x="%d" y="46" font-size="12">%s</text>' % (x + 16, escape(labels[milter])))
        x += 30 + 7 * len(labels[milter])
    for i, (panel_title, groups) in enumerate(panels):
        parts += panel(10, 50 + i * PANEL_HEIGHT, panel_title, groups, milters, labels)
    parts.append('</svg>')
    with open(path, 'w') as f:
        f.write('\n'.join(parts) + '\n')
