#!/usr/bin/python3
# samples/AttachmentGuard with its appsettings.json policy, written with pymilter (python3-milter, on libmilter) and
# Python's email package: attachments with a blocked extension, directly or inside zip archives, are replaced with a
# text notice, scripts are removed from HTML parts, and a changed message gets one new body and X-Attachment-Guard.
# It proves that samples/AttachmentGuard/miltertest.lua tests the behaviour, not our SDK: the new body is Python's
# MIME, not MimeKit's bytes. Usage: attachment_guard.py PORT
import io
import posixpath
import re
import sys
import zipfile
from email import policy
from email.generator import BytesGenerator
from email.parser import BytesParser

import Milter
from requested_actions import requesting

# Milter.Mime's AttachmentPolicy.DefaultBlockedExtensions, and the sample's ExtraBlockedExtensions (docm, xlsm).
BLOCKED = {
    'ade', 'adp', 'app', 'appx', 'bat', 'chm', 'cmd', 'com', 'cpl', 'dll', 'exe', 'hta', 'inf', 'ins', 'isp', 'jar',
    'js', 'jse', 'lnk', 'msc', 'msi', 'msix', 'msp', 'mst', 'pif', 'ps1', 'psm1', 'reg', 'scr', 'sct', 'shb', 'shs',
    'url', 'vb', 'vbe', 'vbs', 'wsc', 'wsf', 'wsh', 'iso', 'img', 'vhd', 'vhdx', 'docm', 'xlsm',
}
MAX_ARCHIVE_DEPTH = 3
ZIP_TYPES = {'application/zip', 'application/x-zip-compressed', 'application/x-zip'}
SCRIPT = re.compile(r'<script\b.*?(</script\s*>|$)', re.IGNORECASE | re.DOTALL)
HANDLER = re.compile(r'\s+on[a-z]+\s*=\s*("[^"]*"|\'[^\']*\'|[^\s>]+)', re.IGNORECASE)


def extension(name):
    return posixpath.splitext(name)[1][1:].lower()


def blocked_in_zip(data, depth=1):
    """Why a zip archive must go (the blocked file it holds, or that it cannot be read), or None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            for entry in archive.infolist():
                if extension(entry.filename) in BLOCKED:
                    return 'it contains ' + entry.filename
                if extension(entry.filename) == 'zip' and depth < MAX_ARCHIVE_DEPTH:
                    inner = blocked_in_zip(archive.read(entry), depth + 1)
                    if inner:
                        return inner
    except (zipfile.BadZipFile, RuntimeError, ValueError) as error:  # damaged or encrypted: what cannot be checked goes
        return 'it could not be checked: %s' % error
    return None


def defang(message):
    """Replaces the dangerous attachments of a multipart message with notices; returns how many."""
    removed = 0
    for part in list(message.walk()):
        name = part.get_filename()
        if part.is_multipart() or name is None:
            continue
        if extension(name) in BLOCKED:
            reason = '.%s files are not accepted' % extension(name)
        elif extension(name) == 'zip' or part.get_content_type() in ZIP_TYPES:
            reason = blocked_in_zip(part.get_content())
        else:
            reason = None
        if reason:
            part.set_content('The attachment "%s" was removed by the mail filter: %s.\n' % (name, reason),
                             disposition='attachment', filename=name + '.removed.txt')
            del part['MIME-Version']  # set_content adds one to the part; only the message has it
            removed += 1
    return removed


def clean_html(message):
    """Removes script elements and event-handler attributes from the HTML parts; returns how many parts changed."""
    cleaned = 0
    for part in message.walk():
        if part.get_content_type() != 'text/html':
            continue
        html = part.get_content()
        clean = HANDLER.sub('', SCRIPT.sub('', html))
        if clean != html:
            part.set_content(clean, subtype='html')
            del part['MIME-Version']
            cleaned += 1
    return cleaned


def body_of(message):
    out = io.BytesIO()
    BytesGenerator(out, policy=policy.SMTP).flatten(message)
    return out.getvalue().split(b'\r\n\r\n', 1)[1]


@requesting(Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGBODY)
class Guard(Milter.Base):
    def __init__(self):
        self.reset()

    def reset(self):
        self.headers = []
        self.chunks = []

    @Milter.noreply
    def header(self, name, value):
        self.headers.append('%s: %s\r\n' % (name, value))
        return Milter.CONTINUE

    @Milter.noreply
    def body(self, chunk):
        self.chunks.append(chunk)
        return Milter.CONTINUE

    def eom(self):
        raw = ''.join(self.headers).encode('utf-8', 'surrogateescape') + b'\r\n' + b''.join(self.chunks)
        self.reset()
        message = BytesParser(policy=policy.SMTP).parsebytes(raw)
        # Only the parts of a multipart are rewritten: rewriting a message that is one part would change its headers.
        removed, cleaned = (defang(message), clean_html(message)) if message.is_multipart() else (0, 0)
        if removed or cleaned:
            self.replacebody(body_of(message))
            self.addheader('X-Attachment-Guard', 'removed %d attachment(s), cleaned %d HTML part(s)' % (removed, cleaned))
        return Milter.ACCEPT

    def abort(self):
        self.reset()
        return Milter.CONTINUE


Milter.factory = Guard
Milter.set_flags(Milter.ADDHDRS | Milter.CHGHDRS | Milter.CHGBODY)
Milter.runmilter('attachment-guard', 'inet:%s@127.0.0.1' % sys.argv[1], 240)
