#!/usr/bin/python3
# Verifies the one DKIM signature of a message with dkimpy (Debian's python3-dkim), the key taken from an
# opendkim-genkey .txt file instead of DNS. Usage: dkim_verify.py MESSAGE KEY.txt; exit 0 when it verifies.
import re
import sys

import dkim

message = open(sys.argv[1], 'rb').read().replace(b'\r\n', b'\n').replace(b'\n', b'\r\n')
record = ''.join(re.findall(r'"([^"]*)"', open(sys.argv[2]).read())).encode()
signatures = (b'\r\n' + message).count(b'\r\nDKIM-Signature:')
verified = signatures == 1 and dkim.verify(message, dnsfunc=lambda name, timeout=5: record)
print('signatures=%d verified=%s' % (signatures, verified))
sys.exit(0 if verified else 1)
