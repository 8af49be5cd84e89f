"""Signed zipstream links from a CMS written in Python (standard library only). See README "Links".

    from zipstream_link import zipstream_link
    url = zipstream_link("https://example.org/files", "3bea29cc…", kid="k1", secret=os.environ["ZIPSTREAM_SECRET"],
                         lifetime=3600, name="Фото — лето 2026", files=["2024/summer/"])
"""
import base64
import hashlib
import hmac
import time
import urllib.parse


def zipstream_link(base, hash_, kid, secret, lifetime, name=None, files=(), now=None):
    """base: what comes before /archive/ (scheme, host, any prefix); lifetime in seconds; files in link order."""
    exp = int(now if now is not None else time.time()) + int(lifetime)
    # The string to sign: these lines joined by "\n", no newline at the end. The path is always /archive/<hash>/,
    # whatever prefix the site puts in front of it.
    text = "\n".join(["zipstream-1", "/archive/" + hash_ + "/", str(exp), name or ""] + list(files))
    digest = hmac.new(secret.encode("utf-8"), text.encode("utf-8"), hashlib.sha256).digest()
    sig = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    params = [("exp", str(exp)), ("kid", kid), ("sig", sig)]
    if name is not None:
        params.append(("name", name))
    params += [("f", f) for f in files]  # order matters: it is signed
    query = urllib.parse.urlencode(params)  # "+" for a space is fine: the server decodes it as a space
    return base.rstrip("/") + "/archive/" + urllib.parse.quote(hash_, safe="") + "/?" + query


if __name__ == "__main__":
    # python3 zipstream_link.py BASE HASH KID LIFETIME [NAME [FILE...]], secret from ZIPSTREAM_SECRET
    import os
    import sys
    a = sys.argv[1:]
    print(zipstream_link(a[0], a[1], a[2], os.environ["ZIPSTREAM_SECRET"], int(a[3]),
                         a[4] if len(a) > 4 else None, a[5:]))
