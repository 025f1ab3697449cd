#!/usr/bin/python3
# samples/HostedStamper written with pymilter (python3-milter, on libmilter): every message is stamped with the UTC
# time it was checked, in .NET's "u" format; to prove that samples/HostedStamper/miltertest.lua tests the behaviour,
# not our SDK. Usage: hosted_stamper.py PORT
import sys
from datetime import datetime, timezone

import Milter
from requested_actions import requesting


@requesting(Milter.ADDHDRS)
class Stamp(Milter.Base):
    def eom(self):
        self.addheader('X-Checked-At', datetime.now(timezone.utc).strftime('%Y-%m-%d %H:%M:%SZ'))
        return Milter.ACCEPT


Milter.factory = Stamp
Milter.set_flags(Milter.ADDHDRS)
Milter.runmilter('hosted-stamper', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
