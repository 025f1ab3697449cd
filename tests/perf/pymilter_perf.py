#!/usr/bin/python3
# The pymilter reference milter of tests/perf/compare.sh (Debian's python3-milter, on Sendmail's libmilter; it
# imports only under /usr/bin/python3). It does what tests/Milter.Perf and libmilter_perf.c -N do: reads the Subject
# header, and at end of message adds a header, changes Subject and adds a recipient; every other step is skipped or
# answered with no reply where the MTA allows it.   Usage: pymilter_perf.py SOCKET   (e.g. inet:8890@127.0.0.1)
import sys

import Milter

# The steps this milter has no use for, and the replies it does without (libmilter_perf.c -N asks for the same).
UNUSED_STEPS = (Milter.P_NOCONNECT | Milter.P_NOHELO | Milter.P_NOMAIL | Milter.P_NORCPT | Milter.P_NODATA
                | Milter.P_NOUNKNOWN | Milter.P_NOEOH | Milter.P_NOBODY)
NO_REPLIES = (Milter.P_NR_CONN | Milter.P_NR_HELO | Milter.P_NR_MAIL | Milter.P_NR_RCPT | Milter.P_NR_DATA
              | Milter.P_NR_UNKN | Milter.P_NR_EOH | Milter.P_NR_HDR | Milter.P_NR_BODY)


class Perf(Milter.Base):
    def __init__(self):
        self.subject = None

    def negotiate(self, opts):
        # pymilter's own negotiation asks for NR_BODY only with NOBODY; take what the MTA offers of both instead.
        offered = opts[1]
        result = Milter.Base.negotiate(self, opts)
        opts[0] &= Milter.ADDHDRS | Milter.CHGHDRS | Milter.ADDRCPT
        opts[1] = self._protocol = offered & (UNUSED_STEPS | NO_REPLIES)
        return result

    @Milter.noreply
    def header(self, name, value):
        if self.subject is None and name.lower() == 'subject':
            self.subject = value
        return Milter.CONTINUE

    # Called only when the MTA cannot skip the body; the body is not needed.
    @Milter.noreply
    def body(self, chunk):
        return Milter.CONTINUE

    def eom(self):
        self.addheader('X-Perf', 'seen')
        self.chgheader('Subject', 1, '[perf] ' + (self.subject or ''))
        self.addrcpt('<perf-added@example.net>')
        self.subject = None
        return Milter.ACCEPT

    def abort(self):
        self.subject = None
        return Milter.CONTINUE


Milter.factory = Perf
Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.ADDRCPT)
Milter.runmilter('perf', sys.argv[1], 240)
