#!/usr/bin/env python3
"""Generates the plan benchmark: a tenant seed whose 240 live policies (the tenant limit since 2026) reference 500 distinct
directory objects (users, groups, roles, applications, named locations), and the matching
configuration directory in entraform's language (names, not ids), so a plan shows no changes.

Usage: generate_plan_benchmark.py OUTDIR   → OUTDIR/tenant.json, OUTDIR/config/…
Deterministic (fixed seed, UUIDv5 ids)."""
import json, os, random, re, sys, uuid

out = sys.argv[1]
rng = random.Random(195)
ns = uuid.UUID("8d5d3f8e-6c7b-4b1e-9f2a-195195195195")
def gid(kind, n): return str(uuid.uuid5(ns, f"{kind}-{n}"))

here = os.path.dirname(os.path.abspath(__file__))
builtins = open(os.path.join(here, "../../Sources/GraphEmulator/BuiltIns.swift")).read()
roles = re.findall(r'\.init\(id: "([0-9a-f-]{36})", displayName: "([^"]+)", description', builtins)[:20]

users = [{"id": gid("user", i), "userPrincipalName": f"user{i:03d}@bench.example", "displayName": f"User {i:03d}",
          "accountEnabled": True, "userType": "Member"} for i in range(200)]
groups = [{"id": gid("group", i), "displayName": f"Bench Group {i:03d}", "members": [users[i % 200]["id"]]} for i in range(150)]
apps = [{"id": gid("sp", i), "appId": gid("app", i), "displayName": f"Bench App {i:03d}"} for i in range(100)]
locations = [{"@odata.type": "#microsoft.graph.ipNamedLocation", "id": gid("loc", i), "displayName": f"Bench Location {i:02d}",
              "isTrusted": False, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": f"10.{i}.0.0/16"}],
              "createdDateTime": "2026-01-01T00:00:00Z", "modifiedDateTime": "2026-01-01T00:00:00Z"} for i in range(30)]
assert len(users) + len(groups) + len(roles) + len(apps) + len(locations) == 500

def pick(seq, k): return rng.sample(seq, k)
policies, documents = [], []
controls = ["mfa", "compliantDevice", "domainJoinedDevice", "approvedApplication"]
POLICIES = 240
for n in range(POLICIES):
    u, g, r, a, l = pick(users, 2), pick(groups, 3), pick(roles, 1), pick(apps, 2), pick(locations, 2)
    control = controls[n % 4]
    name = f"BENCH{n:03d} - Generated policy {n}"
    policies.append({
        "id": gid("policy", n), "displayName": name, "state": "enabled",
        "createdDateTime": "2026-01-01T00:00:00Z", "modifiedDateTime": None, "templateId": None,
        "conditions": {
            "users": {"includeUsers": [u[0]["id"]], "excludeUsers": [u[1]["id"]], "includeGroups": [g[0]["id"], g[1]["id"]],
                      "excludeGroups": [g[2]["id"]], "includeRoles": [r[0][0]], "excludeRoles": [],
                      "includeGuestsOrExternalUsers": None, "excludeGuestsOrExternalUsers": None},
            "applications": {"includeApplications": [a[0]["appId"]], "excludeApplications": [a[1]["appId"]],
                             "includeUserActions": [], "includeAuthenticationContextClassReferences": [], "applicationFilter": None},
            "clientAppTypes": ["all"], "platforms": None,
            "locations": {"includeLocations": [l[0]["id"]], "excludeLocations": [l[1]["id"]]},
            "signInRiskLevels": [], "userRiskLevels": [], "devices": None, "clientApplications": None},
        "grantControls": {"operator": "OR", "builtInControls": [control], "customAuthenticationFactors": [], "termsOfUse": [],
                          "authenticationStrength": None},
        "sessionControls": None})
    documents.append((name, f"""kind: ConditionalAccessPolicy
id: {gid("policy", n)}
displayName: {name}
state: enabled
conditions:
  users:
    includeUsers: [{u[0]["userPrincipalName"]}]
    excludeUsers: [{u[1]["userPrincipalName"]}]
    includeGroups: [{g[0]["displayName"]}, {g[1]["displayName"]}]
    excludeGroups: [{g[2]["displayName"]}]
    includeRoles: [{r[0][1]}]
  applications:
    includeApplications: [{a[0]["displayName"]}]
    excludeApplications: [{a[1]["displayName"]}]
  locations:
    includeLocations: [{l[0]["displayName"]}]
    excludeLocations: [{l[1]["displayName"]}]
grantControls:
  builtInControls: [{control}]
"""))

seed = {"tenantId": gid("tenant", 0), "domains": ["bench.example"], "users": users, "groups": groups,
        "servicePrincipals": apps, "namedLocations": locations, "policies": policies}
os.makedirs(os.path.join(out, "config", "policies"), exist_ok=True)
with open(os.path.join(out, "tenant.json"), "w") as f: json.dump(seed, f, indent=1)
with open(os.path.join(out, "config", "entraform.yaml"), "w") as f: f.write("kind: Settings\nmanage: {namePrefix: BENCH}\n")
with open(os.path.join(out, "config", "locations.yaml"), "w") as f:
    f.write("\n---\n".join(f"kind: NamedLocation\nid: {l['id']}\ndisplayName: {l['displayName']}\nipRanges: [{l['ipRanges'][0]['cidrAddress']}]\n" for l in locations))
for i in range(0, POLICIES, 5):
    with open(os.path.join(out, "config", "policies", f"bench{i:03d}.yaml"), "w") as f:
        f.write("---\n".join(doc for _, doc in documents[i:i + 5]))
print(f"{len(policies)} policies referencing {len(users)} users, {len(groups)} groups, {len(roles)} roles, "
      f"{len(apps)} applications, {len(locations)} named locations")
