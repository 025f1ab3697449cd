#!/usr/bin/python3
# samples/RecipientPolicy with its appsettings.json rules, written with pymilter (python3-milter, on libmilter), to
# prove that samples/RecipientPolicy/miltertest.lua tests the behaviour, not our SDK. Usage: recipient_policy.py PORT
import ipaddress
import sys

import Milter

LOCAL_DOMAINS = {'example.net'}
TRUSTED = [ipaddress.ip_network('127.0.0.0/8'), ipaddress.ip_network('::1/128')]
BLOCKED = {'former-employee@example.net'}
FULL = {'hoarder@example.net'}


class Policy(Milter.Base):
    def __init__(self):
        self.client = None
        self.address = None

    @Milter.noreply
    def connect(self, hostname, family, hostaddr):
        self.client = hostname
        self.address = hostaddr[0] if hostaddr else None
        return Milter.CONTINUE

    def trusted(self):
        try:
            ip = ipaddress.ip_address(self.address)
        except (TypeError, ValueError):
            return False
        return any(ip in net for net in TRUSTED)

    def envrcpt(self, to, *params):
        address = to.strip('<>')
        domain = address.rpartition('@')[2]
        if address.lower() in BLOCKED:
            self.setreply('550', '5.1.1', '<%s>: this mailbox no longer exists' % address, 'Please update your address book.')
            return Milter.REJECT
        if address.lower() in FULL:
            self.setreply('452', '4.2.2', '<%s>: mailbox full, try again later' % address)
            return Milter.TEMPFAIL
        if domain.lower() not in LOCAL_DOMAINS and self.getsymval('{auth_authen}') is None and not self.trusted():
            self.setreply('554', '5.7.1', '<%s>: relay access denied' % address,
                          'Client %s is not trusted and did not authenticate.' % (self.address or 'unknown'),
                          'Authenticate (SMTP AUTH) to send mail to other domains.')
            return Milter.REJECT
        return Milter.CONTINUE


Milter.factory = Policy
Milter.set_flags(0)
Milter.runmilter('recipient-policy', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
