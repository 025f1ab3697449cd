#!/usr/bin/python3
# The libmilter reference for the header cases behind both MTAs (pymilter, python3-milter, on Sendmail's libmilter):
# for a message whose X-Case is "py OP NAME" it makes the one libmilter call that OP means, so the tests can compare
# what the MTA delivers for it with what our milter delivers for "OP NAME". Usage: header_milter.py PORT
#   add NAME      smfi_addheader(NAME, value)
#   ensure NAME   smfi_addheader(NAME, value) only when the message has no NAME header
#   change NAME   smfi_chgheader(NAME, 1, value)
#   delete NAME   smfi_chgheader(NAME, 1, "")
#   chgfrom ARGS  smfi_chgfrom(<py-sender@origin.test>, ARGS): ESMTP arguments as libmilter sends them, unchecked
#   addrcpt ARGS  smfi_addrcpt_par(<py-added@dest.test>, ARGS)
import sys

import Milter

# The value each header gets (Support/GeneratedHeaderCases.cs gives our milter the same).
VALUES = {
    'date': 'Tue, 01 Dec 2026 12:00:00 +0000',
    'resent-date': 'Tue, 01 Dec 2026 12:30:00 +0000',
    'message-id': '<by-the-milter@origin.test>',
    'resent-message-id': '<resent-by-the-milter@origin.test>',
    'from': 'Milter <milter@origin.test>',
    'resent-from': 'Milter <resent-milter@origin.test>',
}


class Edit(Milter.Base):
    def __init__(self):
        self.case = None
        self.seen = set()

    @Milter.noreply
    def envfrom(self, sender, *args):
        self.case = None
        self.seen = set()
        return Milter.CONTINUE

    @Milter.noreply
    def header(self, name, value):
        self.seen.add(name.lower())
        if name.lower() == 'x-case':
            self.case = value.strip()
        return Milter.CONTINUE

    def eom(self):
        words = (self.case or '').split()
        if len(words) == 3 and words[0] == 'py':
            op, name = words[1], words[2]
            value = VALUES.get(name.lower(), 'set by the milter')
            if op == 'add' or (op == 'ensure' and name.lower() not in self.seen):
                self.addheader(name, value)
            elif op == 'change':
                self.chgheader(name, 1, value)
            elif op == 'delete':
                self.chgheader(name, 1, '')
            elif op == 'chgfrom':
                self.chgfrom('<py-sender@origin.test>', name)
            elif op == 'addrcpt':
                self.addrcpt('<py-added@dest.test>', name)
        return Milter.ACCEPT


Milter.factory = Edit
Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGFROM | Milter.ADDRCPT_PAR)
Milter.runmilter('edit', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
