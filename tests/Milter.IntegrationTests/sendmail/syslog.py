#!/usr/bin/python3
"""A syslog receiver for the private Sendmail: serves a Unix datagram socket (bind-mounted on /dev/log in
Sendmail's namespace) and appends each message, one per line, to a file.

    syslog.py SOCKET LOGFILE
"""
import os
import socket
import sys

path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
server.bind(path)
os.chmod(path, 0o666)
with open(log, "ab", buffering=0) as out:
    while True:
        out.write(server.recv(65536).rstrip(b"\0\n") + b"\n")
