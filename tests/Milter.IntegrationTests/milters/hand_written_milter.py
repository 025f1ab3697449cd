#!/usr/bin/python3
# samples/HandWrittenMilter (with its default --reject blocked@example.com) written with pymilter (python3-milter, on
# libmilter), to prove that samples/HandWrittenMilter/miltertest.lua tests the behaviour, not our SDK.
# Usage: hand_written_milter.py PORT
import sys

import Milter
from requested_actions import requesting

REJECTED = 'blocked@example.com'


@requesting(Milter.ADDHDRS)
class StampAndReject(Milter.Base):
    def __init__(self):
        self.recipients = 0

    def envrcpt(self, to, *params):
        # Like the sample's context.Recipients: every recipient the milter was shown, the refused one too.
        self.recipients += 1
        address = to.strip('<>')
        if address.lower() == REJECTED:
            self.setreply('550', '5.7.1', 'Mail to %s is not accepted here' % address, 'Contact postmaster for details')
            return Milter.REJECT
        return Milter.CONTINUE

    def eom(self):
        self.addheader('X-Milter-Stamp', 'checked by Milter for .NET, %d recipient(s)' % self.recipients)
        self.recipients = 0
        return Milter.ACCEPT

    def abort(self):
        self.recipients = 0
        return Milter.CONTINUE


Milter.factory = StampAndReject
Milter.set_flags(Milter.ADDHDRS)
Milter.runmilter('hand-written', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
