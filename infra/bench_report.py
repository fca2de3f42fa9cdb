"""Prints `make bench`'s tables from the harness's JSON and writes the report.

usage: bench_report.py bench.json out.json
"""

import datetime
import json
import platform
import sys


def table(title, header, rows):
    print(f"\n{title}\n")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join("---" for _ in header) + "|")
    for row in rows:
        print("| " + " | ".join(str(c) for c in row) + " |")


def ms(v):
    return f"{v:.1f} ms"


def us(v):
    return f"{v:,.0f} µs"


def usd(v):
    return f"${v:,.2f}"


def mib(v):
    return f"{v:.1f} MiB"


def units(v):
    return f"{v:g}"


def main():
    bench_path, out_path = sys.argv[1:3]
    bench = json.load(open(bench_path))
    bench["date"] = datetime.date.today().isoformat()
    bench["cpu_model"] = next(
        (l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")),
        platform.processor(),
    )
    print(f"make bench, {bench['date']}: {bench['machine']} ({bench['cpu_model']}); "
          f"DynamoDB = {bench['dynamodb']}")

    warm = [r for r in bench["warm"] if "p50_ms" in r]
    warm and table("Warm: handler in-process against the local DynamoDB API (capacity units counted by "
          "DynamoDB's sizing rules from the requests sent)",
          ["endpoint", "p50", "p99", "DynamoDB share", "thread CPU p50", "requests / sequential",
           "RRU", "WRU"],
          [[r["endpoint"], ms(r["p50_ms"]), ms(r["p99_ms"]), f"{r['dynamodb_share']:.0%}",
            us(r["cpu_us_p50"]), f"{r['ddb_requests']:g} / {r['ddb_sequential']:g}",
            units(r["rru"]), units(r["wru"])] for r in warm])
    own = bench.get("self_service") or []
    own and table("Self-service: registration, Client ID Metadata Documents, the account page (same "
          "measurements; a document's fetch is outbound HTTPS to loopback, not DynamoDB)",
          ["request", "p50", "p99", "requests / sequential", "RRU", "WRU"],
          [[r["endpoint"], ms(r["p50_ms"]), ms(r["p99_ms"]),
            f"{r['ddb_requests']:g} / {r['ddb_sequential']:g}", units(r["rru"]), units(r["wru"])]
           for r in own])
    argon = next((r for r in bench["warm"] if r.get("key") == "argon2id"), None)
    if argon:
        print(f"\nArgon2id verify alone: {argon['cpu_ms_p50']:.1f} ms of CPU")

    h = bench["handler_cpu"]
    h and table("Code grant CPU with the I/O taken out (canned DynamoDB connector)",
          ["", "µs (native p50)", "instructions"],
          [["handler including the AWS SDK", f"{h['handler_incl_sdk_us_p50']:.1f}",
            f"{h['handler_incl_sdk_instructions'] or 0:,.0f}"],
           ["its DynamoDB calls alone (SDK)", f"{h['sdk_calls_alone_us_p50']:.1f}",
            f"{h['sdk_calls_alone_instructions'] or 0:,.0f}"],
           ["the handler's own work", f"{h['handler_own_us_estimate'] or 0:.1f}",
            f"{h['handler_own_instructions'] or 0:,.0f}"]])

    sig = bench.get("signing")
    if sig:
        code = next((r for r in warm if r["key"] == "code_grant"), None)
        oidc = next((r for r in warm if r["key"] == "code_grant_oidc_jwt"), None)
        rows = [["one RS256 signature (2048-bit key in memory)", us(sig["rs256_signature_cpu_us_p50"])]]
        if code and oidc:
            rows += [["code grant, opaque tokens (thread CPU p50)", us(code["cpu_us_p50"])],
                     ["code grant, openid: ID token + JWT access token (two signatures)", us(oidc["cpu_us_p50"])],
                     ["difference", us(oidc["cpu_us_p50"] - code["cpu_us_p50"])]]
        rows += [["a fresh environment's first signature: keyset read + KMS Decrypt, wall",
                  f"{ms(sig['first_signature_ms'])} ({sig['first_signature_dynamodb_requests']} DynamoDB requests, "
                  f"{sig['first_signature_kms_decrypts']} KMS Decrypt)"],
                 [f"KMS Decrypt calls after {sig['signatures']} more signatures", sig["kms_decrypts_after_signatures"]],
                 ["DynamoDB requests of a warm JWKS + discovery call", sig["warm_jwks_and_discovery_dynamodb_requests"]]]
        table("Signing", ["", "figure"], rows)

    bench["cold"] and table("Cold start: spawn → first answer under the Runtime API emulator (median / max), "
          "beside hello world",
          ["function", "first request", "median / max", "× hello world", "bootstrap x86_64 (arm64)",
           "peak RSS after 200"],
          [[r["function"], r["first_request"],
            f"{r['cold_start_ms_median']:.1f} / {r['cold_start_ms_max']:.1f} ms",
            f"{r['ratio_to_hello']:.2f}",
            f"{r['bootstrap_bytes'] / 2**20:.2f} MiB"
            + (f" ({r['bootstrap_bytes_arm64'] / 2**20:.2f})" if "bootstrap_bytes_arm64" in r else ""),
            mib(r["peak_rss_mib_after_200"]) if "peak_rss_mib_after_200" in r else ""]
           for r in bench["cold"]])

    side = bench.get("side_by_side")
    if side:
        cold_token = next((r for r in bench["cold"]
                           if r["function"] == "token" and r["first_request"].startswith("client_credentials")),
                          {"cold_start_ms_median": float("nan")})
        rows = []
        for r in side["rows"]:
            ours, mem, peer = r["ours"], r["ours_in_memory"], r["peer"]

            def line(label, key, fmt, ratio=True):
                q = lambda a, b: f"{a[key] / b[key]:.2f}" if a and ratio else ""
                return ["", label, fmt(ours[key]), fmt(mem[key]) if mem else "—", fmt(peer[key]),
                        q(ours, peer), q(mem, peer)]

            rows += [
                [r["workload"]] + line("CPU per request", "cpu_us_per_request", us)[1:],
                line("requests per core-second", "per_core_per_s", lambda v: f"{v:,.0f}"),
                line("peak RSS", "peak_rss_mib", mib),
                line("sequential req/s on loopback*", "sequential_req_per_s", lambda v: f"{v:,.0f}"),
            ]
        first = side["peer_start_to_first_token_ms"]
        rows.append(["client_credentials", "process start → first token", ms(cold_token["cold_start_ms_median"]),
                     "", ms(first), f"{cold_token['cold_start_ms_median'] / first:.2f}", ""])
        table(f"Side by side with {side['peer']}, Node.js {side['node']}: {side['rows'][0]['requests']} "
              "requests per workload, one at a time; the server process's CPU from /proc/<pid>/task/*/schedstat",
              ["workload", "figure", "ours, DynamoDB (moto)", "ours, storage in memory", "peer (in memory)",
               "ours / peer", "in memory / peer"], rows)
        print(f"\nHello world under the same runtime client and emulator: "
              f"{side['hello_world_cpu_us_per_request']:.0f} µs of CPU per request (the floor of any function).")
        print("* one request at a time: ours waits for its DynamoDB round trips to moto (Python) on this "
              "machine; the peer keeps everything in process memory. Not a measure of either server's capacity.")

    bench["cost_per_million"] and table("Cost per million at us-east-1 list prices (billed duration = the warm p50 above, "
          "at the template's memory)",
          ["grant", "Lambda", "HTTP API", "DynamoDB (RRU / WRU)", "total"],
          [[r["grant"], usd(r["lambda_usd"]), usd(r["http_api_usd"]),
            f"{usd(r['dynamodb_usd'])} ({units(r['rru'])} / {units(r['wru'])})",
            f"**{usd(r['total_usd_per_million'])}**"] for r in bench["cost_per_million"]])

    bench["scale"] and table("At scale: a 30-day month of authorization-code grants (authorize redirect + code grant)",
          ["grants/s", "Lambda", "HTTP API", "DynamoDB on-demand", "DynamoDB provisioned (WCU / RCU at 70%)"],
          [[f"{r['grants_per_second']:,.0f}", usd(r["lambda_usd"]), usd(r["http_api_usd"]),
            usd(r["dynamodb_on_demand_usd"]),
            f"{usd(r['dynamodb_provisioned_usd'])} ({r['provisioned_wcu']:,.0f} / {r['provisioned_rcu']:,.0f})"]
           for r in bench["scale"]])

    with open(out_path, "w") as out:
        json.dump(bench, out, indent=2)
    print(f"\nreport: {out_path}")


if __name__ == "__main__":
    main()
