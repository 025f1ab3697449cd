#!/usr/bin/python3
# samples/EventLogger written with pymilter (python3-milter, on libmilter): every event is logged and no reply is
# awaited, nothing is decided; to prove that samples/EventLogger/miltertest.lua tests the behaviour, not our SDK.
# Usage: event_logger.py PORT
import sys

import Milter


def log(*words):
    print(*words, flush=True)


class EventLog(Milter.Base):
    def __init__(self):
        self.body_bytes = 0

    @Milter.noreply
    def connect(self, hostname, family, hostaddr):
        log('connect', hostname, hostaddr)
        return Milter.CONTINUE

    @Milter.noreply
    def hello(self, name):
        log('helo', name)
        return Milter.CONTINUE

    @Milter.noreply
    def envfrom(self, sender, *params):
        log('mail from', sender, *params)
        return Milter.CONTINUE

    @Milter.noreply
    def envrcpt(self, recipient, *params):
        log('rcpt to', recipient, *params)
        return Milter.CONTINUE

    @Milter.noreply
    def data(self):
        log('data', self.getsymval('i'))
        return Milter.CONTINUE

    @Milter.noreply
    def header(self, name, value):
        log('header', name, value)
        return Milter.CONTINUE

    @Milter.noreply
    def eoh(self):
        log('end of headers')
        return Milter.CONTINUE

    @Milter.noreply
    def body(self, chunk):
        self.body_bytes += len(chunk)
        return Milter.CONTINUE

    @Milter.noreply
    def unknown(self, command):
        log('unknown command', command)
        return Milter.CONTINUE

    def eom(self):
        log('end of message', self.body_bytes, 'body bytes')
        self.body_bytes = 0
        return Milter.CONTINUE

    def abort(self):
        log('abort')
        self.body_bytes = 0
        return Milter.CONTINUE

    def close(self):
        log('close')
        return Milter.CONTINUE


Milter.factory = EventLog
Milter.set_flags(0)
Milter.runmilter('event-logger', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
