#!/usr/bin/env python3
"""Writes the benchmark province as two CSV files for Khiên's importer:
200 agencies (a province, 20 departments, 179 units) and 10,000 systems,
each with a URL, a domain, an address and a software component.
Usage: seed.py OUTDIR"""
import os, sys

out = sys.argv[1]
agencies, systems = 200, 10000
with open(os.path.join(out, "agencies.csv"), "w", encoding="utf-8") as f:
    f.write("code,name,parent_code,kind\n")
    for i in range(1, agencies + 1):
        parent = "" if i == 1 else ("AG001" if i <= 21 else "AG%03d" % (2 + (i - 22) % 20))
        kind = "province" if i == 1 else ("department" if i <= 21 else "unit")
        f.write("AG%03d,Đơn vị số %d,%s,%s\n" % (i, i, parent, kind))
hosting = ["on-premise", "provincial-dc", "cloud"]
with open(os.path.join(out, "systems.csv"), "w", encoding="utf-8") as f:
    f.write("agency_code,name,purpose,hosting,urls,domains,ips,software\n")
    for i in range(1, systems + 1):
        a = 1 + i % agencies
        host = "s%05d.ag%03d.example" % (i, a)
        f.write("AG%03d,Hệ thống thông tin số %05d,Cổng thông tin,%s,https://%s/,%s,198.51.100.%d,nginx@1.24.0\n"
                % (a, i, hosting[i % 3], host, host, i % 250))
