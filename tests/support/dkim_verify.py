#!/usr/bin/python3
"""Verifies the first DKIM-Signature of a message with dkimpy, the independent verifier
the DKIM signer's tests (src/channels/email/dkim_test.cpp) check against.

usage: dkim_verify.py MESSAGE_FILE DNS_NAME TXT_FILE

The key is not looked up in DNS: a query for DNS_NAME (with or without its final dot) is
answered with the contents of TXT_FILE, any other name with nothing. Exit status 0 when the
signature is valid; 1 otherwise, with dkimpy's reason on stderr; 2 for a usage error.
"""
import logging
import sys

import dkim


def main(argv):
    if len(argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], "rb") as f:
        message = f.read()
    dns_name = argv[2].rstrip(".").lower()
    with open(argv[3], "rb") as f:
        txt = f.read().strip()

    def dnsfunc(name, timeout=5):
        if isinstance(name, bytes):
            name = name.decode("ascii", "replace")
        return txt if name.rstrip(".").lower() == dns_name else None

    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="dkimpy: %(message)s")
    try:
        verifier = dkim.DKIM(message, logger=logging.getLogger("dkimpy"))
        valid = verifier.verify(dnsfunc=dnsfunc)
    except dkim.DKIMException as e:
        print(f"invalid: {e}", file=sys.stderr)
        return 1
    if not valid:
        print("invalid: signature does not verify", file=sys.stderr)
        return 1
    print("valid")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
