#!/usr/bin/env python3
"""The local mail catcher: a real SMTP server (aiosmtpd, PyPI) on 127.0.0.1 that keeps every
message it receives as one .eml file in a directory and delivers nothing anywhere else.
scripts/run.sh starts it for the local stack; the tests start it to read what was sent.

    python3 scripts/mail-catcher.py --port 2525 --dir .mikke/mail
    python3 scripts/mail-catcher.py --port 0 --dir /tmp/m --reject-domain rejected.example.jp

--port 0 picks a free port. Once listening it prints one line, `listening 127.0.0.1:<port>`,
so a harness knows where to send. --reject-domain answers `550` to recipients of that domain
(for testing how a refused address is recorded). Files are written under a temporary name and
renamed, so a reader never sees half a message; they are readable by their owner only.
"""
import argparse
import os
import signal
import socket
import sys
import threading
import time

from aiosmtpd.controller import Controller


class Keep:
    def __init__(self, directory, reject_domain):
        self.directory = directory
        self.reject_domain = (reject_domain or "").lower()
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject_domain and address.lower().endswith("@" + self.reject_domain):
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            n = self.count
        name = "%s-%06d.eml" % (time.strftime("%Y%m%dT%H%M%S"), n)
        temp = os.path.join(self.directory, "." + name + ".tmp")
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(temp, os.path.join(self.directory, name))
        return "250 OK: kept"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject-domain")
    args = parser.parse_args()
    os.makedirs(args.dir, mode=0o700, exist_ok=True)
    port = args.port or free_port()
    controller = Controller(
        Keep(args.dir, args.reject_domain),
        hostname="127.0.0.1",
        port=port,
        # Japanese mail is 8-bit clean only as base64 or quoted-printable; accept 8BITMIME
        # and SMTPUTF8 anyway, as a real relay would.
        enable_SMTPUTF8=True,
        data_size_limit=10 * 1024 * 1024,
    )
    controller.start()
    print("listening 127.0.0.1:%d" % port, flush=True)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    sys.exit(main())
