#!/usr/bin/python3
"""A real SMTP server on loopback for cadent's tests: Python's aiosmtpd (Debian's
python3-aiosmtpd), run with /usr/bin/python3.

Every message it accepts is written, exactly as received, to DIR/<n>.eml, with
DIR/<n>.json beside it: the envelope (mail_from, rcpt_tos), the peer (host, port) of the
connection it came on, and the AUTH login used. A test reads them back to check the
headers, MIME structure, DKIM signature and threading, and counts distinct peers to see
connection reuse.

Recipients steer the answer, so that one server covers every outcome:
  bounce...@  RCPT: 550 5.1.1 (no such user)        policy...@  RCPT: 550 5.7.1 (policy)
  later...@   RCPT: 451 4.3.0 (try again)           ratelimit...@ RCPT: 421 4.7.0 (slow down)
  reject...@  DATA: 554 5.6.0 (content refused)     plain5xx...@ RCPT: 550 (no enhanced code)
  drop...@    DATA: the connection is closed without an answer
Anything else is accepted with "250 2.0.0 Ok: queued as <n>".

Options:
  --dir DIR               where messages go (required)
  --cert FILE --key FILE  a TLS certificate: STARTTLS is offered (and required with
                          --require-tls), or with --implicit-tls the whole connection is TLS
  --user U --password P   AUTH PLAIN and LOGIN required, with these credentials
  --oauth-token T         AUTH XOAUTH2 offered (and required), with this bearer token for --user
Prints "listening on PORT" on stderr once it accepts connections; stops on SIGTERM.
"""
import argparse
import asyncio
import base64
import json
import os
import signal
import socket
import ssl
import sys

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def login_of(auth_data):
    if isinstance(auth_data, LoginPassword):
        return auth_data.login.decode()
    if isinstance(auth_data, bytes):
        return auth_data.decode()
    return auth_data


class Handler:
    def __init__(self, directory, user, oauth_token):
        self.directory = directory
        self.user = user
        self.oauth_token = oauth_token
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("bounce"):
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        if local.startswith("policy"):
            return "550 5.7.1 Message rejected by policy: sender blocked"
        if local.startswith("later"):
            return "451 4.3.0 Temporary lookup failure, try again later"
        if local.startswith("ratelimit"):
            return "421 4.7.0 Too many messages, slow down"
        if local.startswith("plain5xx"):
            return "550 Requested action not taken"
        envelope.rcpt_tos.append(address)
        return "250 2.1.5 Ok"

    async def handle_DATA(self, server, session, envelope):
        local = envelope.rcpt_tos[0].split("@", 1)[0].lower() if envelope.rcpt_tos else ""
        if local.startswith("reject"):
            return "554 5.6.0 Message content rejected"
        if local.startswith("drop"):
            server.transport.close()
            return "421 4.4.2 closing"  # never reaches the client
        self.count += 1
        n = self.count
        base = os.path.join(self.directory, "%06d" % n)
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer": list(session.peer[:2]) if session.peer else None,
            "login": login_of(session.auth_data),
            "tls": server.transport.get_extra_info("ssl_object") is not None,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        os.rename(base + ".eml.tmp", base + ".eml")  # readers see whole messages only
        return "250 2.0.0 Ok: queued as Q%06d" % n

    async def auth_XOAUTH2(self, server, args):
        if self.oauth_token is None:
            return AuthResult(success=False, handled=False)
        if len(args) >= 2:  # SASL-IR: the credentials came with the command
            try:
                blob = base64.b64decode(args[1], validate=True)
            except Exception:
                return AuthResult(success=False, handled=False)
        else:
            blob = await server.challenge_auth("")
            if not isinstance(blob, bytes):
                return AuthResult(success=False, handled=True)
        try:
            decoded = blob.decode()
        except Exception:
            return AuthResult(success=False, handled=False)
        expected = "user=%s\x01auth=Bearer %s\x01\x01" % (self.user, self.oauth_token)
        if decoded != expected:
            return AuthResult(success=False, handled=False)
        return AuthResult(success=True, auth_data=self.user)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--require-tls", action="store_true")
    parser.add_argument("--implicit-tls", action="store_true")
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--oauth-token")
    args = parser.parse_args()

    tls = None
    if args.cert:
        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(args.cert, args.key)

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and args.password is not None
              and auth_data.login.decode() == args.user
              and auth_data.password.decode() == args.password)
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)

    handler = Handler(args.dir, args.user, args.oauth_token)
    auth_wanted = args.password is not None or args.oauth_token is not None
    exclude = []
    if args.password is None:
        exclude = ["PLAIN", "LOGIN"]

    def factory():
        return SMTP(handler,
                    hostname="smtp.test",
                    tls_context=None if args.implicit_tls else tls,
                    require_starttls=bool(args.require_tls and tls and not args.implicit_tls),
                    auth_required=auth_wanted,
                    auth_require_tls=False,
                    auth_exclude_mechanism=exclude,
                    authenticator=authenticator,
                    data_size_limit=None)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    server = loop.run_until_complete(
        loop.create_server(factory, sock=sock, ssl=tls if args.implicit_tls else None))
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    print("listening on %d" % sock.getsockname()[1], file=sys.stderr, flush=True)
    loop.run_until_complete(stop.wait())
    server.close()
    loop.run_until_complete(server.wait_closed())


if __name__ == "__main__":
    main()
