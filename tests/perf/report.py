#!/usr/bin/python3
"""Turns the measurements of tests/perf/measure.py into the comparison table (medians of the rounds, ratios ours to
each reference), prints it, draws the chart, and rewrites the marked section of docs/performance.md.

    report.py RESULTS.json --command 'tests/perf/compare.sh' --commit abc1234 [--docs FILE --chart FILE.svg]
"""
import argparse
import datetime
import json
import os
import re
import statistics
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import chart  # noqa: E402  (next to this file)

BEGIN = '<!-- comparison:begin (written by tests/perf/compare.sh: edit the script, not this section) -->'
END = '<!-- comparison:end -->'
MILTERS = ['ours', 'libmilter', 'pymilter']
LABELS = {'ours': 'ours (NativeAOT)', 'libmilter': 'libmilter -N', 'pymilter': 'pymilter'}
SHORT = {'c1': '1 connection', 'c8': '8 connections', 'c64': '64 connections', 'body': '1 MiB body\nNOBODY offered',
         'body_sent': '1 MiB body\nno NOBODY'}

# Protocol bits the reference milters and ours negotiate, for the line that says who answers what.
STEPS = [('connect', 0x1, 0x1000), ('HELO', 0x2, 0x2000), ('MAIL', 0x4, 0x4000), ('RCPT', 0x8, 0x8000),
         ('DATA', 0x200, 0x10000), ('headers', 0x20, 0x80), ('end of headers', 0x40, 0x40000),
         ('body chunks', 0x10, 0x80000)]
SKIP = 0x400  # SMFIP_SKIP: the MTA takes SKIP as a reply to a body chunk


def medians(runs, config, milter, key):
    values = [r[key] for r in runs if r['config'] == config and r['milter'] == milter and r.get(key) is not None]
    return statistics.median(values) if values else None


def number(value, digits=0):
    if value is None:
        return 'n/a'
    return '{:,.{}f}'.format(value, digits)


def latency(p50, p99):
    return 'n/a' if p50 is None else '%s / %s' % (number(p50, 2), number(p99, 2))


def ratio(ours, theirs, digits=2):
    if ours is None or theirs is None or theirs == 0:
        return ''
    return '×%s' % number(ours / theirs, digits)


def answered_steps(protocol):
    """What the MTA sends this milter and whether it waits for a reply, from the negotiated protocol flags."""
    flags = int(protocol, 16)
    parts = []
    for name, skip, no_reply in STEPS:
        if flags & skip:
            continue
        answer = 'no reply' if flags & no_reply else 'reply each'
        if name == 'body chunks' and not flags & no_reply and flags & SKIP:
            answer += '; SKIP negotiated, so the milter may end the body at any chunk'
        parts.append('%s (%s)' % (name, answer))
    return ', '.join(parts + ['end of message (reply)'])


def table(result):
    runs = result['runs']
    configs = result['configs']
    rows = ['| configuration | figure | %s | ours/libmilter | ours/pymilter |' % ' | '.join(LABELS[m] for m in MILTERS),
            '| --- | --- | ---: | ---: | ---: | ---: | ---: |']

    def row(first, figure, cells, ratios):
        rows.append('| %s | %s | %s | %s |' % (first, figure, ' | '.join(cells), ' | '.join(ratios)))

    for config in configs:
        key = config['key']
        m = {milter: {k: medians(runs, key, milter, k) for k in
                      ('msg_per_s', 'p50_ms', 'p99_ms', 'cpu_us', 'peak_rss_kib', 'allocated_per_msg', 'messages')}
             for milter in MILTERS}
        label = '%s (%s messages)' % (config['label'], number(m['ours']['messages']))
        row(label, 'msg/s', [number(m[x]['msg_per_s']) for x in MILTERS],
            [ratio(m['ours']['msg_per_s'], m[x]['msg_per_s']) for x in MILTERS[1:]])
        row('', 'p50 / p99 latency, ms', [latency(m[x]['p50_ms'], m[x]['p99_ms']) for x in MILTERS],
            ['%s / %s' % (ratio(m['ours']['p50_ms'], m[x]['p50_ms']), ratio(m['ours']['p99_ms'], m[x]['p99_ms']))
             for x in MILTERS[1:]])
        row('', 'CPU µs per message', [number(m[x]['cpu_us']) for x in MILTERS],
            [ratio(m['ours']['cpu_us'], m[x]['cpu_us']) for x in MILTERS[1:]])
        row('', 'peak RSS, MiB', [number(m[x]['peak_rss_kib'] / 1024, 1) for x in MILTERS],
            [ratio(m['ours']['peak_rss_kib'], m[x]['peak_rss_kib'], 1) for x in MILTERS[1:]])
        row('', 'allocated per message', ['%s B' % number(m['ours']['allocated_per_msg']), 'n/a', 'n/a'], ['', ''])

    idle = {x: medians(runs, 'idle', x, 'idle_kib_per_connection') for x in MILTERS}
    held = {x: min((r['held'] for r in runs if r['config'] == 'idle' and r['milter'] == x), default=0) for x in MILTERS}
    row('%s idle connections' % number(result['idle_connections']), 'KiB per idle connection',
        [number(idle[x], 2) for x in MILTERS], [ratio(idle['ours'], idle[x], 1) for x in MILTERS[1:]])
    row('', 'connections held (fewest of the rounds)', [number(held[x]) for x in MILTERS], ['', ''])
    return '\n'.join(rows), idle


def negotiated(result):
    lines = ['| milter | NOBODY offered: what the MTA sends, and waits for | NOBODY not offered |', '| --- | --- | --- |']
    for milter in MILTERS:
        cells = []
        for key in ('body', 'body_sent'):
            run = next(r for r in result['runs'] if r['config'] == key and r['milter'] == milter)
            cells.append('%s (`%s`)' % (answered_steps(run['protocol']), run['protocol']))
        lines.append('| %s | %s |' % (LABELS[milter], ' | '.join(cells)))
    return '\n'.join(lines)


def all_rounds(result):
    lines = ['| round | configuration | milter | msg/s | p50 / p99 ms | CPU µs/msg | peak RSS MiB | allocated/msg | idle KiB/conn |',
             '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    labels = {c['key']: c['label'] for c in result['configs']}
    labels['idle'] = '%s idle connections' % number(result['idle_connections'])
    for r in result['runs']:
        if r['config'] == 'idle':
            lines.append('| %d | %s | %s | | | | | | %s |' % (r['round'], labels['idle'], LABELS[r['milter']],
                                                          number(r['idle_kib_per_connection'], 2)))
        else:
            lines.append('| %d | %s | %s | %s | %s | %s | %s | %s | |' % (
                r['round'], labels[r['config']], LABELS[r['milter']], number(r['msg_per_s']),
                latency(r['p50_ms'], r['p99_ms']), number(r['cpu_us']), number(r['peak_rss_kib'] / 1024, 1),
                '' if r['allocated_per_msg'] is None else number(r['allocated_per_msg']) + ' B'))
    return '\n'.join(lines)


def draw(result, path, commit):
    runs = result['runs']
    keys = [c['key'] for c in result['configs']]

    def groups(key, scale=1.0):
        return [(SHORT.get(k, k), {m: (lambda v: None if v is None else v * scale)(medians(runs, k, m, key))
                                   for m in MILTERS}) for k in keys]

    idle = [('%s idle\nconnections' % number(result['idle_connections']),
             {m: medians(runs, 'idle', m, 'idle_kib_per_connection') for m in MILTERS})]
    rounds = '%d rounds' % result['rounds'] if result['rounds'] != 1 else 'one round'
    chart.write(path, 'One milter, three runtimes: medians of %s (commit %s)' % (rounds, commit), [
        ('Messages per second (higher is better)', groups('msg_per_s')),
        ('CPU µs per message (lower is better)', groups('cpu_us')),
        ('Peak RSS, MiB (lower is better)', groups('peak_rss_kib', 1 / 1024)),
        ('KiB per idle connection (lower is better)', idle),
    ], MILTERS, LABELS)


def section(result, summary, command, commit, chart_link):
    when = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%d %H:%M UTC')
    return '\n'.join([
        BEGIN,
        '',
        'Made by `%s` on %s, commit %s; medians of %d rounds%s.' % (
            command, when, commit, result['rounds'],
            '' if result['scale'] == 1 else ', message counts scaled by %g' % result['scale']),
        '',
        'Machine: %s.' % result['machine'],
        '',
        '![msg/s, CPU per message, peak RSS and idle connection of the three milters](%s)' % chart_link,
        '',
        summary,
        '',
        'Ratios are ours ÷ theirs: above 1 is better for msg/s, below 1 is better for everything else. '
        'Allocations are counted by our runtime (`GC.GetTotalAllocatedBytes`); C and Python have no such counter.',
        '',
        'What each milter negotiated (the MTA offered every option):',
        '',
        negotiated(result),
        '',
        '<details><summary>Every run</summary>',
        '',
        all_rounds(result),
        '',
        '</details>',
        '',
        END,
    ])


def rewrite(docs, text):
    with open(docs) as f:
        current = f.read()
    pattern = re.compile(re.escape(BEGIN) + '.*?' + re.escape(END), re.S)
    if not pattern.search(current):
        raise SystemExit('%s has no section between %s and %s' % (docs, BEGIN, END))
    with open(docs, 'w') as f:
        f.write(pattern.sub(lambda _: text, current))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('results')
    parser.add_argument('--command', required=True)
    parser.add_argument('--commit', required=True)
    parser.add_argument('--docs', help='the Markdown file whose marked section is rewritten')
    parser.add_argument('--chart', help='the SVG file to write')
    args = parser.parse_args()
    with open(args.results) as f:
        result = json.load(f)
    summary, _ = table(result)
    print('Machine: ' + result['machine'])
    print(summary)
    if args.chart:
        draw(result, args.chart, args.commit)
    if args.docs:
        link = os.path.relpath(args.chart, os.path.dirname(os.path.abspath(args.docs))) if args.chart else ''
        rewrite(args.docs, section(result, summary, args.command, args.commit, link))


if __name__ == '__main__':
    main()
