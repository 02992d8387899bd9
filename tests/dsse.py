#!/usr/bin/python3
"""An independent DSSE tool for the tests: nothing of art's code.

  dsse.py verify RECEIPT PUBKEY.pem   check the envelope, print the statement
  dsse.py sign TYPE KEYFILE < PAYLOAD sign PAYLOAD as TYPE with art's key file

verify follows the DSSE v1 spec by hand (base64, PAE) and checks the
ed25519 signature with securesystemslib (its own pure-Python ed25519);
the PEM key is read with pyca/cryptography.  Exit 0 when it verifies.
"""
import base64
import hashlib
import json
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from securesystemslib.signer import Signature, SSlibKey


def pae(ptype: bytes, body: bytes) -> bytes:
    return b"DSSEv1 %d %s %d %s" % (len(ptype), ptype, len(body), body)


def b64d(s: str) -> bytes:
    s = s.replace("-", "+").replace("_", "/")
    return base64.b64decode(s + "=" * (-len(s) % 4), validate=True)


def verify(receipt: str, pem: str) -> int:
    with open(pem, "rb") as f:
        raw = serialization.load_pem_public_key(f.read()).public_bytes(
            serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    keyid = hashlib.sha256(raw).hexdigest()
    key = SSlibKey(keyid, "ed25519", "ed25519", {"public": raw.hex()})
    with open(receipt) as f:
        env = json.load(f)
    body = b64d(env["payload"])
    data = pae(env["payloadType"].encode(), body)
    for s in env["signatures"]:
        if s.get("keyid") != keyid:
            continue
        try:
            key.verify_signature(Signature(keyid, b64d(s["sig"]).hex()), data)
        except Exception as e:  # securesystemslib's own verdict
            print("signature does not verify: %s" % e, file=sys.stderr)
            return 1
        if env["payloadType"] != "application/vnd.in-toto+json":
            print("not an in-toto payload", file=sys.stderr)
            return 1
        print(json.dumps(json.loads(body)))
        return 0
    print("no signature by key %s" % keyid, file=sys.stderr)
    return 1


def sign(ptype: str, keyfile: str) -> int:
    with open(keyfile) as f:
        magic, alg, seed = f.read().split()
    assert magic == "art-signing-key-v1" and alg == "ed25519"
    sk = Ed25519PrivateKey.from_private_bytes(base64.b64decode(seed))
    raw = sk.public_key().public_bytes(serialization.Encoding.Raw,
                                       serialization.PublicFormat.Raw)
    body = sys.stdin.buffer.read()
    sig = sk.sign(pae(ptype.encode(), body))
    print(json.dumps({"payloadType": ptype,
                      "payload": base64.b64encode(body).decode(),
                      "signatures": [{"keyid": hashlib.sha256(raw).hexdigest(),
                                      "sig": base64.b64encode(sig).decode()}]}))
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "verify":
        sys.exit(verify(sys.argv[2], sys.argv[3]))
    if len(sys.argv) == 4 and sys.argv[1] == "sign":
        sys.exit(sign(sys.argv[2], sys.argv[3]))
    print(__doc__, file=sys.stderr)
    sys.exit(2)
