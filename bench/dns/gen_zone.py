#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Generates the DNS benchmark's zone and dnsperf query file, deterministically.

    gen_zone.py OUTDIR [--records N] [--queries M] [--zone NAME]

Writes OUTDIR/NAME.zone (RFC 1035 master file, >= N records: a mix of
A, AAAA, MX, TXT and CNAME) and OUTDIR/queries.txt (dnsperf format,
"NAME TYPE" per line): 70 % names that exist with a type they have,
15 % NXDOMAIN, 15 % NODATA (an existing name, a type it lacks).
Also prints a JSON summary (counts, expected rcode shares) on stdout.
"""
import argparse
import json
import random
from pathlib import Path


def host_records(i):
    """The records of host i: [(owner, type, rdata)]. Every host has A;
    every 2nd AAAA, every 5th TXT, every 10th MX; every 10th gets a CNAME."""
    h = f"h{i}"
    recs = [(h, "A", f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}")]
    if i % 2 == 0:
        recs.append((h, "AAAA", f"2001:db8:{(i >> 16) & 0xffff:x}::{i & 0xffff:x}"))
    if i % 5 == 0:
        recs.append((h, "TXT", f'"v=bench host {i}" "second string"'))
    if i % 10 == 0:
        recs.append((h, "MX", f"10 h{(i + 1)}"))
        recs.append((f"c{i}", "CNAME", h))
    return recs


def types_of(i):
    t = {"A"}
    if i % 2 == 0:
        t.add("AAAA")
    if i % 5 == 0:
        t.add("TXT")
    if i % 10 == 0:
        t.add("MX")
    return t


def generate(outdir, records=100_000, queries=100_000, zone="bench.test",
             seed=1035):
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    origin = zone.rstrip(".") + "."
    zpath = outdir / f"{zone.rstrip('.')}.zone"
    n = 0
    hosts = 0
    with open(zpath, "w") as f:
        f.write(f"$ORIGIN {origin}\n$TTL 3600\n"
                f"@ IN SOA ns1 hostmaster 1 7200 3600 1209600 300\n"
                f"@ IN NS ns1\n@ IN NS ns2\n"
                f"ns1 IN A 127.0.0.1\nns2 IN A 127.0.0.2\n")
        n += 6
        while n < records:
            for owner, typ, rdata in host_records(hosts):
                f.write(f"{owner} IN {typ} {rdata}\n")
                n += 1
            hosts += 1
        # the last MX target must exist
        for owner, typ, rdata in host_records(hosts):
            f.write(f"{owner} IN {typ} {rdata}\n")
            n += 1
        hosts += 1

    rng = random.Random(seed)
    counts = {"positive": 0, "nxdomain": 0, "nodata": 0}
    all_types = ["A", "AAAA", "MX", "TXT"]
    qpath = outdir / "queries.txt"
    with open(qpath, "w") as f:
        for _ in range(queries):
            r = rng.random()
            i = rng.randrange(hosts)
            if r < 0.70:
                if i % 10 == 0 and rng.random() < 0.3:
                    f.write(f"c{i}.{origin} A\n")
                else:
                    f.write(f"h{i}.{origin} {rng.choice(sorted(types_of(i)))}\n")
                counts["positive"] += 1
            elif r < 0.85:
                f.write(f"nx{rng.randrange(10**9)}.{origin} "
                        f"{rng.choice(all_types)}\n")
                counts["nxdomain"] += 1
            else:
                missing = [t for t in all_types if t not in types_of(i)]
                if not missing:  # every 10th host has all four
                    missing = ["SRV"]
                f.write(f"h{i}.{origin} {rng.choice(missing)}\n")
                counts["nodata"] += 1
    summary = {"zone": origin, "zone_file": str(zpath), "records": n,
               "hosts": hosts, "query_file": str(qpath), "queries": queries,
               "nxdomain_share": counts["nxdomain"] / queries,
               **counts}
    return summary


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--records", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=100_000)
    ap.add_argument("--zone", default="bench.test")
    a = ap.parse_args()
    print(json.dumps(generate(a.outdir, a.records, a.queries, a.zone)))


if __name__ == "__main__":
    main()
