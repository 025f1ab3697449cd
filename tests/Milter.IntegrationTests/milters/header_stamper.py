#!/usr/bin/python3
# samples/HeaderStamper written with pymilter (python3-milter, on libmilter), to prove that
# samples/HeaderStamper/miltertest.lua tests the behaviour, not our SDK. Usage: header_stamper.py PORT
import sys

import Milter


class Stamper(Milter.Base):
    def __init__(self):
        self.headers = 0

    @Milter.noreply
    def header(self, name, value):
        self.headers += 1
        return Milter.CONTINUE

    def eom(self):
        self.addheader('X-Stamped', '%d headers seen by Milter for .NET' % self.headers)
        self.headers = 0
        return Milter.ACCEPT

    def abort(self):
        self.headers = 0
        return Milter.CONTINUE


Milter.factory = Stamper
Milter.set_flags(Milter.ADDHDRS)
Milter.runmilter('stamper', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
