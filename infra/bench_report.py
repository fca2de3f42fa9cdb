"""Prints `make bench`'s table and writes the merged JSON report.

usage: bench_report.py bench.json wrk-ours.txt wrk-peer.txt peer_first_ms connections duration out.json
"""

import datetime
import json
import platform
import re
import sys


def wrk(path):
    text = open(path).read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", text)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}[p99.group(2)]
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    total = int(re.search(r"(\d+) requests in", text).group(1))
    return {"requests_per_s": rps, "p99_ms": float(p99.group(1)) * scale, "requests": total,
            "non_2xx": int(bad.group(1)) if bad else 0}


def main():
    bench_path, ours_path, peer_path, peer_first, conns, duration, out_path = sys.argv[1:8]
    bench = json.load(open(bench_path))
    ours, peer = wrk(ours_path), wrk(peer_path)
    token_cold = next(r for r in bench["cold"] if r["function"] == "token")
    peer_row = {
        "load": f"wrk -t2 -c{conns} -d{duration}, POST client_credentials with HTTP Basic, loopback",
        "ours": {"start_to_first_token_ms": token_cold["cold_start_ms_median"], **ours},
        "node_oidc_provider": {"start_to_first_token_ms": float(peer_first), **peer},
    }
    peer_row["ratios_ours_over_peer"] = {
        "start_to_first_token": peer_row["ours"]["start_to_first_token_ms"] / max(float(peer_first), 1e-9),
        "throughput": ours["requests_per_s"] / peer["requests_per_s"],
        "p99": ours["p99_ms"] / peer["p99_ms"],
    }
    report = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.machine()}, {bench['machine']}, {platform.platform()}",
        **bench,
        "peer": peer_row,
    }
    json.dump(report, open(out_path, "w"), indent=2)

    print(f"\n# make bench — {report['date']} — {report['machine']}")
    print(f"DynamoDB: {bench['dynamodb']}\n")
    print("## Cold start (release bootstrap under a loopback Runtime API emulator; DynamoDB client built)")
    print(f"{'function':<10} {'median ms':>10} {'max ms':>8} {'size MiB x86_64':>16} {'size MiB arm64':>15} {'peak RSS MiB':>13}")
    for r in bench["cold"]:
        arm = r.get("bootstrap_bytes_arm64")
        arm_mib = f"{arm / 2**20:.2f}" if arm else "(make build)"
        print(f"{r['function']:<10} {r['cold_start_ms_median']:>10.1f} {r['cold_start_ms_max']:>8.1f} "
              f"{r['bootstrap_bytes'] / 2**20:>16.2f} {arm_mib:>15} {r['peak_rss_mib']:>13.1f}")
    print("\n## Warm latency (in-process handler + local DynamoDB API; thread CPU includes the SDK and socket I/O)")
    print(f"{'endpoint':<34} {'p50 ms':>7} {'p99 ms':>7} {'DynamoDB':>9} {'CPU µs p50':>11} {'requests':>9} {'sequential':>11}")
    cpu = None
    for r in bench["warm"]:
        if "handler_own_instructions" in r:
            cpu = r
            continue
        if "p50_ms" not in r:
            print(f"{r['endpoint']:<34} {'':>7} {'':>7} {'':>9} {r['cpu_ms_p50'] * 1000:>11.0f}")
            continue
        print(f"{r['endpoint']:<34} {r['p50_ms']:>7.2f} {r['p99_ms']:>7.2f} {r['dynamodb_share']:>8.0%} "
              f"{r['cpu_us_p50']:>11.0f} {r['ddb_requests']:>9.1f} {r['ddb_sequential']:>11.1f}")
    if cpu:
        def num(v, fmt):
            return format(v, fmt) if v is not None else "n/a"
        print(f"\n## Handler CPU per code grant, I/O excluded (canned DynamoDB answers; goal < {cpu['goal_us']} µs)")
        print(f"{'':<38} {'µs (native p50)':>16} {'instructions (callgrind)':>25}")
        print(f"{'handler incl. the AWS SDK':<38} {cpu['handler_incl_sdk_us_p50']:>16.1f} "
              f"{num(cpu['handler_incl_sdk_instructions'], ',.0f'):>25}")
        print(f"{'its 3 DynamoDB calls alone (SDK)':<38} {cpu['sdk_calls_alone_us_p50']:>16.1f} "
              f"{num(cpu['sdk_calls_alone_instructions'], ',.0f'):>25}")
        own = "the handler's own work (difference)"
        print(f"{own:<38} {num(cpu['handler_own_us_estimate'], '.1f'):>16} "
              f"{num(cpu['handler_own_instructions'], ',.0f'):>25}")
    print("\n## Cost per million on AWS (prices: " +
          ", ".join(f"{k} ${v:g}" if isinstance(v, float) else f"{k} {v}" for k, v in bench["prices"].items()) + ")")
    print(f"{'grant':<34} {'MB':>5} {'billed ms':>9} {'Lambda $':>9} {'HTTP API $':>10} {'DynamoDB $':>10} {'total $':>8}")
    for c in bench["cost_per_million"]:
        print(f"{c['grant']:<34} {c['memory_mb']:>5.0f} {c['billed_ms']:>9.0f} {c['lambda_usd']:>9.2f} "
              f"{c['http_api_usd']:>10.2f} {c['dynamodb_usd']:>10.2f} {c['total_usd_per_million']:>8.2f}")
    print(f"\n## Side by side: node-oidc-provider ({peer_row['load']})")
    print(f"{'':<22} {'start→first token ms':>21} {'req/s':>9} {'p99 ms':>8} {'non-2xx':>8}")
    for name, r in (("ours (cargo lambda watch)", peer_row["ours"]), ("node-oidc-provider", peer_row["node_oidc_provider"])):
        print(f"{name:<22} {r['start_to_first_token_ms']:>21.1f} {r['requests_per_s']:>9.0f} {r['p99_ms']:>8.2f} {r['non_2xx']:>8}")
    ra = peer_row["ratios_ours_over_peer"]
    print(f"{'ratio ours/peer':<22} {ra['start_to_first_token']:>21.2f} {ra['throughput']:>9.2f} {ra['p99']:>8.2f}")
    print(f"\nJSON: {out_path}")


if __name__ == "__main__":
    main()
