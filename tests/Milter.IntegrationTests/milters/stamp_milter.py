#!/usr/bin/python3
# A small pymilter (python3-milter) milter for the client tests: it stamps a header, tags the subject,
# adds a recipient, and rejects a subject containing REJECTME. Usage: stamp_milter.py PORT
import sys

import Milter


class Stamp(Milter.Base):
    def __init__(self):
        self.subject = None

    @Milter.noreply
    def header(self, name, value):
        if name.lower() == 'subject' and self.subject is None:
            self.subject = value
        return Milter.CONTINUE

    def eom(self):
        subject = self.subject or ''
        self.subject = None
        if 'REJECTME' in subject:
            self.setreply('550', '5.7.1', 'Rejected by pymilter')
            return Milter.REJECT
        self.addheader('X-Pymilter', 'stamped')
        self.chgheader('Subject', 1, '[py] ' + subject)
        self.addrcpt('<py-added@example.net>')
        return Milter.ACCEPT

    def abort(self):
        self.subject = None
        return Milter.CONTINUE


Milter.factory = Stamp
Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.ADDRCPT)
Milter.runmilter('stamp', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
