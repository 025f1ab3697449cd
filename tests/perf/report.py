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
MILTERS = ['ours', 'base', 'libmilter', 'pymilter']
LABELS = {'ours': 'ours (NativeAOT)', 'base': 'ours at the baseline', 'libmilter': 'libmilter -N', 'pymilter': 'pymilter',
          'chain': 'three milters chained (3 sockets)', 'pipeline': 'one milter, three parts (1 socket)'}
# The composition configurations (measure.py's p3_*) compare two ways of serving the same three filters, not milters.
COMPOSITION = ['chain', 'pipeline']
SHORT = {'o_p8': 'ordinary\n8 persistent', 'o_p1': 'ordinary\n1 persistent', 'o_c8': 'ordinary\n8 × 1 message',
         'c1': 'minimal\n1 connection', 'c8': 'minimal\n8 connections', 'm_p8': 'minimal\n8 persistent', 'c64': 'minimal\n64 connections',
         'body': '1 MiB body\nNOBODY offered', 'body_sent': '1 MiB body\nno NOBODY'}


def labels(result):
    """Column names, the baseline's with its commit."""
    named = dict(LABELS)
    if result.get('baseline'):
        named['base'] = 'ours at %s (NativeAOT)' % result['baseline']
    return named


def present(result):
    """The milters that ran at all, in column order."""
    ran = {r['milter'] for r in result['runs']}
    return [m for m in MILTERS if m in ran]

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
        return '—'
    return '{:,.{}f}'.format(value, digits)


def latency(p50, p99):
    return '—' if p50 is None else '%s / %s' % (number(p50, 2), number(p99, 2))


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


def is_composition(config):
    return set(config['milters']) <= set(COMPOSITION)


def table(result):
    runs = result['runs']
    configs = [c for c in result['configs'] if not is_composition(c)]
    milters = present(result)
    names = labels(result)
    others = milters[1:]
    rows = ['| configuration | figure | %s | %s |' % (' | '.join(names[m] for m in milters),
                                                     ' | '.join('ours/%s' % m for m in others)),
            '| --- | --- |' + ' ---: |' * (len(milters) + len(others))]

    def row(first, figure, cells, ratios):
        rows.append('| %s | %s | %s | %s |' % (first, figure, ' | '.join(cells), ' | '.join(ratios)))

    def scaled(value, by):
        return None if value is None else value / by

    for config in configs:
        key = config['key']
        m = {milter: {k: medians(runs, key, milter, k) for k in
                      ('msg_per_s', 'p50_ms', 'p99_ms', 'cpu_us', 'peak_rss_kib', 'allocated_per_msg', 'messages')}
             for milter in milters}
        label = '%s (%s messages)' % (config['label'], number(m['ours']['messages']))
        row(label, 'msg/s', [number(m[x]['msg_per_s']) for x in milters],
            [ratio(m['ours']['msg_per_s'], m[x]['msg_per_s']) for x in others])
        row('', 'p50 / p99 latency, ms', [latency(m[x]['p50_ms'], m[x]['p99_ms']) for x in milters],
            ['' if m[x]['p50_ms'] is None else '%s / %s' % (ratio(m['ours']['p50_ms'], m[x]['p50_ms']),
                                                           ratio(m['ours']['p99_ms'], m[x]['p99_ms'])) for x in others])
        row('', 'CPU µs per message', [number(m[x]['cpu_us']) for x in milters],
            [ratio(m['ours']['cpu_us'], m[x]['cpu_us']) for x in others])
        row('', 'peak RSS, MiB', [number(scaled(m[x]['peak_rss_kib'], 1024), 1) for x in milters],
            [ratio(m['ours']['peak_rss_kib'], m[x]['peak_rss_kib'], 1) for x in others])
        row('', 'allocated per message', ['—' if m[x]['allocated_per_msg'] is None else '%s B' % number(m[x]['allocated_per_msg'])
                                          for x in milters], [ratio(m['ours']['allocated_per_msg'], m[x]['allocated_per_msg']) for x in others])

    if any(r['config'] == 'idle' for r in runs):
        idle = {x: medians(runs, 'idle', x, 'idle_kib_per_connection') for x in milters}
        held = {x: min((r['held'] for r in runs if r['config'] == 'idle' and r['milter'] == x), default=None) for x in milters}
        row('%s idle connections' % number(result['idle_connections']), 'KiB per idle connection',
            [number(idle[x], 2) for x in milters], [ratio(idle['ours'], idle[x], 1) for x in others])
        row('', 'connections held (fewest of the rounds)', [number(held[x]) for x in milters], [''] * len(others))
    return '\n'.join(rows)


def composition_table(result):
    """One milter composing three parts on one socket against the three chained by the MTA: sums over processes."""
    runs = result['runs']
    configs = [c for c in result['configs'] if is_composition(c)]
    if not configs:
        return ''
    rows = ['| configuration | figure | %s | %s | one socket ÷ three |' % (LABELS['chain'], LABELS['pipeline']),
            '| --- | --- | ---: | ---: | ---: |']
    for config in configs:
        m = {x: {k: medians(runs, config['key'], x, k) for k in
                 ('msg_per_s', 'p50_ms', 'p99_ms', 'cpu_us', 'peak_rss_kib', 'allocated_per_msg', 'messages')}
             for x in COMPOSITION}
        chain, pipeline = m['chain'], m['pipeline']
        rows.append('| %s (%s messages) | msg/s | %s | %s | %s |' % (
            config['label'], number(pipeline['messages']), number(chain['msg_per_s']), number(pipeline['msg_per_s']),
            ratio(pipeline['msg_per_s'], chain['msg_per_s'])))
        rows.append('| | p50 / p99 latency, ms | %s | %s | %s |' % (
            latency(chain['p50_ms'], chain['p99_ms']), latency(pipeline['p50_ms'], pipeline['p99_ms']),
            '' if chain['p50_ms'] is None else '%s / %s' % (ratio(pipeline['p50_ms'], chain['p50_ms']),
                                                            ratio(pipeline['p99_ms'], chain['p99_ms']))))
        rows.append('| | CPU µs per message, all processes | %s | %s | %s |' % (
            number(chain['cpu_us']), number(pipeline['cpu_us']), ratio(pipeline['cpu_us'], chain['cpu_us'])))
        rows.append('| | peak RSS, MiB, all processes | %s | %s | %s |' % (
            number(None if chain['peak_rss_kib'] is None else chain['peak_rss_kib'] / 1024, 1),
            number(None if pipeline['peak_rss_kib'] is None else pipeline['peak_rss_kib'] / 1024, 1),
            ratio(pipeline['peak_rss_kib'], chain['peak_rss_kib'], 1)))
        rows.append('| | allocated per message | %s | %s | %s |' % tuple(
            ['—' if x['allocated_per_msg'] is None else '%s B' % number(x['allocated_per_msg']) for x in (chain, pipeline)]
            + [ratio(pipeline['allocated_per_msg'], chain['allocated_per_msg'])]))
    return '\n'.join(rows)


def negotiated(result):
    """Per filter and milter, what the MTA sends and waits for; with NOBODY offered and not (minimal filter)."""
    names = labels(result)
    lines = ['| filter, milter | NOBODY offered: what the MTA sends, and waits for | NOBODY not offered |',
             '| --- | --- | --- |']
    for filter_name, keys in (('ordinary', ('o_p8', None)), ('minimal', ('body', 'body_sent'))):
        for milter in present(result):
            cells = []
            for key in keys:
                run = next((r for r in result['runs'] if r['config'] == key and r['milter'] == milter), None)
                cells.append('—' if run is None else '%s (`%s`)' % (answered_steps(run['protocol']), run['protocol']))
            if cells != ['—', '—']:
                lines.append('| %s, %s | %s |' % (filter_name, names[milter], ' | '.join(cells)))
    return '\n'.join(lines)


def all_rounds(result):
    lines = ['| round | configuration | milter | msg/s | p50 / p99 ms | CPU µs/msg | peak RSS MiB | allocated/msg | idle KiB/conn |',
             '| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |']
    configs = {c['key']: c['label'] for c in result['configs']}
    configs['idle'] = '%s idle connections' % number(result['idle_connections'])
    names = labels(result)
    for r in result['runs']:
        if r['config'] == 'idle':
            lines.append('| %d | %s | %s | | | | | | %s |' % (r['round'], configs['idle'], names[r['milter']],
                                                          number(r['idle_kib_per_connection'], 2)))
        else:
            lines.append('| %d | %s | %s | %s | %s | %s | %s | %s | |' % (
                r['round'], configs[r['config']], names[r['milter']], number(r['msg_per_s']),
                latency(r['p50_ms'], r['p99_ms']), number(r['cpu_us']), number(r['peak_rss_kib'] / 1024, 1),
                '' if r['allocated_per_msg'] is None else number(r['allocated_per_msg']) + ' B'))
    return '\n'.join(lines)


def draw(result, path, commit):
    runs = result['runs']
    keys = [c['key'] for c in result['configs'] if not is_composition(c)]

    milters = present(result)

    def groups(key, scale=1.0):
        return [(SHORT.get(k, k), {m: (lambda v: None if v is None else v * scale)(medians(runs, k, m, key))
                                   for m in milters}) for k in keys]

    panels = [
        ('Messages per second (higher is better)', groups('msg_per_s')),
        ('CPU µs per message (lower is better)', groups('cpu_us')),
        ('Peak RSS, MiB (lower is better)', groups('peak_rss_kib', 1 / 1024)),
    ]
    if any(r['config'] == 'idle' for r in runs):
        panels.append(('KiB per idle connection (lower is better)',
                       [('%s idle\nconnections' % number(result['idle_connections']),
                         {m: medians(runs, 'idle', m, 'idle_kib_per_connection') for m in milters})]))
    rounds = '%d rounds' % result['rounds'] if result['rounds'] != 1 else 'one round'
    chart.write(path, 'Our engine, its baseline, libmilter and pymilter: medians of %s (commit %s)' % (rounds, commit),
                panels, milters, labels(result))


def section(result, summary, composition, command, commit, chart_link):
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
        '![msg/s, CPU per message, peak RSS and idle connection of each milter](%s)' % chart_link,
        '',
        summary,
        '',
        *(['The cost of composition (issue 29): the ordinary filter cut into three filters '
           '(tests/Milter.Perf/ChainParts.cs), chained by the driver as Postfix chains `smtpd_milters = A, B, C` '
           '(three sockets, three processes), against one milter composing them with `MilterPipeline` on one socket. '
           'CPU, RSS and allocations are summed over the processes; latency is per message through the whole chain.',
           '', composition, ''] if composition else []),
        'Ratios are ours ÷ theirs: above 1 is better for msg/s, below 1 is better for everything else; "—": the '
        'milter does not run that configuration (the baseline runs the ordinary filter only, pymilter the minimal one). '
        'Allocations are counted by the .NET runtime (`GC.GetTotalAllocatedBytes`); C and Python have no such counter.',
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
    summary = table(result)
    composition = composition_table(result)
    print('Machine: ' + result['machine'])
    print(summary)
    if composition:
        print(composition)
    if args.chart:
        draw(result, args.chart, args.commit)
    if args.docs:
        link = os.path.relpath(args.chart, os.path.dirname(os.path.abspath(args.docs))) if args.chart else ''
        rewrite(args.docs, section(result, summary, composition, args.command, args.commit, link))


if __name__ == '__main__':
    main()
