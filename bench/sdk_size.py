"""SDK size: CROW's IIFE (minified, gzip -9) beside posthog-js's dist/array.js from its npm package,
both measured in this run. posthog-js is fetched with `npm pack` into a temporary folder."""

from __future__ import annotations

import gzip
import json
import subprocess
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
POSTHOG = "posthog-js"


def gzip9(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def posthog_array_js() -> tuple[str, bytes] | None:
    with tempfile.TemporaryDirectory() as tmp:
        try:
            out = subprocess.run(
                ["npm", "pack", POSTHOG, "--json", "--pack-destination", tmp],
                capture_output=True,
                check=True,
                text=True,
                timeout=120,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            print(f"  posthog-js: could not fetch from npm ({exc})")
            return None
        meta = json.loads(out.stdout)[0]
        with tarfile.open(Path(tmp) / meta["filename"]) as tar:
            member = tar.extractfile("package/dist/array.js")
            assert member is not None
            return meta["version"], member.read()


def main() -> None:
    subprocess.run(["npm", "run", "--silent", "build"], cwd=ROOT / "sdk", check=True, capture_output=True)
    crow = (ROOT / "sdk" / "dist" / "crow.js").read_bytes()
    crow_gz = gzip9(crow)
    print(f"  CROW sdk/dist/crow.js:            {len(crow):>8,} bytes minified  {crow_gz:>8,} bytes gzip -9")
    peer = posthog_array_js()
    if peer:
        version, body = peer
        peer_gz = gzip9(body)
        print(f"  posthog-js {version} dist/array.js: {len(body):>8,} bytes minified  {peer_gz:>8,} bytes gzip -9")
        print(f"  ratio: CROW is {crow_gz / peer_gz:.1%} of posthog-js ({peer_gz / crow_gz:.1f}x smaller)")
    print(f"  budget: {crow_gz:,} / 10,240 bytes ({'within' if crow_gz <= 10240 else 'OVER'})")
