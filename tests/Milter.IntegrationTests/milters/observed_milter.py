#!/usr/bin/python3
# samples/ObservedMilter's recipient limit with its appsettings.json (50), written with pymilter (python3-milter, on
# libmilter): recipients past the limit get 452 4.5.3, the count starts afresh per message; it records no traces, so it
# never adds X-Milter-Trace-Id. To prove that samples/ObservedMilter/miltertest.lua tests the behaviour, not our SDK.
# Usage: observed_milter.py PORT
import sys

import Milter
from requested_actions import requesting

MAX_RECIPIENTS = 50


@requesting(Milter.ADDHDRS)
class RecipientLimit(Milter.Base):
    def __init__(self):
        self.recipients = 0

    def envrcpt(self, to, *params):
        self.recipients += 1
        if self.recipients <= MAX_RECIPIENTS:
            return Milter.CONTINUE
        self.setreply('452', '4.5.3', 'Too many recipients, send the rest in another message')
        return Milter.TEMPFAIL

    def eom(self):
        self.recipients = 0
        return Milter.ACCEPT

    def abort(self):
        self.recipients = 0
        return Milter.CONTINUE


Milter.factory = RecipientLimit
Milter.set_flags(Milter.ADDHDRS)
Milter.runmilter('observed', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
