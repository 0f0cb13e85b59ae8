#!/usr/bin/env python3
"""Generates the impact benchmark (issue 12): a tenant of 20,000 users in 2,000 groups (some nested; the policies name 60 of them), with role
holders, named locations and applications, whose 240 live policies mix every condition the engine partitions on
(groups, roles, All users, applications and Office365, platforms, client apps, locations, sign-in risk), and a
configuration directory holding the same policies with 12 of them changed, so `plan` has an impact to compute.

Usage: generate_impact_benchmark.py OUTDIR   -> OUTDIR/tenant.json, OUTDIR/config/...
Deterministic (fixed seed, UUIDv5 ids)."""
import json, os, random, re, sys, uuid

out = sys.argv[1]
rng = random.Random(12)
ns = uuid.UUID("1e9b7c52-2b0c-4a5e-8a51-120000000012")
def gid(kind, n): return str(uuid.uuid5(ns, f"{kind}-{n}"))

here = os.path.dirname(os.path.abspath(__file__))
builtins = open(os.path.join(here, "../../Sources/GraphEmulator/BuiltIns.swift")).read()
roles = re.findall(r'\.init\(id: "([0-9a-f-]{36})", displayName: "([^"]+)", description', builtins)[:8]

USERS, GROUPS, POLICIES, CHANGED = 20000, 2000, 240, 12
NAMED = 60  # policies name the tenant's Conditional Access groups (exclusions, pilots, personas), not all its groups
users = [{"id": gid("user", i), "userPrincipalName": f"user{i:05d}@bench.example", "displayName": f"User {i:05d}",
          "accountEnabled": True, "userType": "Guest" if i % 50 == 0 else "Member"} for i in range(USERS)]
breakglass = {"id": gid("group", "breakglass"), "displayName": "BENCH-BreakGlass", "members": [users[0]["id"], users[1]["id"]]}
groups = [{"id": gid("group", g), "displayName": f"Bench Group {g:04d}", "members": []} for g in range(GROUPS)]
for user in users[2:]:
    for g in rng.sample(range(GROUPS), 3):
        groups[g]["members"].append(user["id"])
for g in range(100):  # nesting: group g contains group 1000 + g
    groups[g]["members"].append(groups[1000 + g]["id"])
role_assignments = [{"role": name, "members": [users[rng.randrange(2, USERS)]["id"] for _ in range(10)]} for _, name in roles]
apps = [{"id": gid("sp", i), "appId": gid("app", i), "displayName": f"Bench App {i:02d}"} for i in range(60)]
locations = [{"@odata.type": "#microsoft.graph.ipNamedLocation", "id": gid("loc", i), "displayName": f"Bench Office {i:02d}",
              "isTrusted": i < 5, "ipRanges": [{"@odata.type": "#microsoft.graph.iPv4CidrRange", "cidrAddress": f"10.{i}.0.0/16"}]}
             for i in range(20)]
locations += [{"@odata.type": "#microsoft.graph.countryNamedLocation", "id": gid("loc", "countries"), "displayName": "Bench Blocked Countries",
               "countriesAndRegions": ["KP", "IR", "RU"], "includeUnknownCountriesAndRegions": True}]
group_by_id = {g["id"]: g for g in groups + [breakglass]}
app_by_id = {a["appId"]: a for a in apps}
loc_by_id = {l["id"]: l for l in locations}
role_by_id = dict(roles)

def policy(n, variant=0):
    r = random.Random(n * 1000 + variant)
    users_condition = {"excludeGroups": [breakglass["id"]]}
    kind = r.random()
    if kind < 0.1: users_condition["includeUsers"] = ["All"]
    elif kind < 0.2: users_condition["includeRoles"] = [r.choice(roles)[0]]
    else: users_condition["includeGroups"] = [groups[g]["id"] for g in r.sample(range(NAMED), r.randint(1, 2))]
    if r.random() < 0.3:
        excluded = groups[r.randrange(NAMED)]["id"]
        if excluded not in users_condition.get("includeGroups", []): users_condition["excludeGroups"].append(excluded)
    app_kind = r.random()
    applications = {"includeApplications": ["All"] if app_kind < 0.4 else ["Office365"] if app_kind < 0.5
                    else [a["appId"] for a in r.sample(apps, r.randint(1, 2))]}
    conditions = {"users": users_condition, "applications": applications,
                  "clientAppTypes": r.sample(["browser", "mobileAppsAndDesktopClients", "exchangeActiveSync", "other"], 2) if r.random() < 0.15 else ["all"]}
    if r.random() < 0.2: conditions["platforms"] = {"includePlatforms": r.sample(["android", "iOS", "windows", "macOS"], 2)}
    if r.random() < 0.3: conditions["locations"] = {"includeLocations": ["All"], "excludeLocations": [r.choice(locations)["id"]]}
    if r.random() < 0.15: conditions["signInRiskLevels"] = ["high"] if r.random() < 0.5 else ["medium", "high"]
    grant = r.choice(["mfa", "mfa", "compliantDevice", "block"])
    if grant == "block":  # blocks target legacy clients or high risk, as real tenants' do
        if r.random() < 0.5: conditions["clientAppTypes"] = ["exchangeActiveSync", "other"]
        else: conditions["signInRiskLevels"] = ["high"]
    state = "enabledForReportingButNotEnforced" if r.random() < 0.2 else "enabled"
    return conditions, grant, state

def graph_policy(n, conditions, grant, state):
    return {"id": gid("policy", n), "displayName": f"BENCH{n:03d} - Generated policy {n}", "state": state,
            "conditions": conditions, "grantControls": {"operator": "OR", "builtInControls": [grant]}, "sessionControls": None}

def yaml_list(values): return "[" + ", ".join(json.dumps(v) for v in values) + "]"

def yaml_policy(n, conditions, grant, state):
    u, a = conditions["users"], conditions["applications"]
    lines = ["kind: ConditionalAccessPolicy", f"id: {gid('policy', n)}", f"displayName: BENCH{n:03d} - Generated policy {n}",
             f"state: {state}", "conditions:", "  users:"]
    if "includeUsers" in u: lines.append(f"    includeUsers: {yaml_list(u['includeUsers'])}")
    if "includeRoles" in u: lines.append(f"    includeRoles: {yaml_list([role_by_id[x] for x in u['includeRoles']])}")
    if "includeGroups" in u: lines.append(f"    includeGroups: {yaml_list([group_by_id[x]['displayName'] for x in u['includeGroups']])}")
    lines.append(f"    excludeGroups: {yaml_list([group_by_id[x]['displayName'] for x in u['excludeGroups']])}")
    names = [x if x in ("All", "Office365") else app_by_id[x]["displayName"] for x in a["includeApplications"]]
    lines += ["  applications:", f"    includeApplications: {yaml_list(names)}", f"  clientAppTypes: {yaml_list(conditions['clientAppTypes'])}"]
    if "platforms" in conditions: lines += ["  platforms:", f"    includePlatforms: {yaml_list(conditions['platforms']['includePlatforms'])}"]
    if "locations" in conditions:
        lines += ["  locations:", "    includeLocations: [All]",
                  f"    excludeLocations: {yaml_list([loc_by_id[x]['displayName'] for x in conditions['locations']['excludeLocations']])}"]
    if "signInRiskLevels" in conditions: lines.append(f"  signInRiskLevels: {yaml_list(conditions['signInRiskLevels'])}")
    lines += ["grantControls:", "  operator: OR", f"  builtInControls: [{grant}]"]
    return "\n".join(lines) + "\n"

live, declared = [], []
changed = set(rng.sample(range(POLICIES), CHANGED))
for n in range(POLICIES):
    conditions, grant, state = policy(n)
    live.append(graph_policy(n, conditions, grant, state))
    declared.append(yaml_policy(n, *(policy(n, variant=1) if n in changed else (conditions, grant, state))))

seed = {"tenantId": gid("tenant", 0), "domains": ["bench.example"], "users": users, "groups": [breakglass] + groups,
        "roleAssignments": role_assignments, "servicePrincipals": apps, "namedLocations": locations, "policies": live}
os.makedirs(os.path.join(out, "config", "policies"), exist_ok=True)
with open(os.path.join(out, "tenant.json"), "w") as f: json.dump(seed, f)
with open(os.path.join(out, "config", "entraform.yaml"), "w") as f:
    f.write("kind: Settings\nmanage: {namePrefix: BENCH}\nemergencyAccess:\n  groups: [BENCH-BreakGlass]\n")
with open(os.path.join(out, "config", "locations.yaml"), "w") as f:
    docs = []
    for l in locations:
        if "ipRanges" in l:
            docs.append(f"kind: NamedLocation\nid: {l['id']}\ndisplayName: {l['displayName']}\nipRanges: [{l['ipRanges'][0]['cidrAddress']}]\n"
                        f"isTrusted: {'true' if l['isTrusted'] else 'false'}\n")
        else:
            docs.append(f"kind: NamedLocation\nid: {l['id']}\ndisplayName: {l['displayName']}\ncountriesAndRegions: {yaml_list(l['countriesAndRegions'])}\n"
                        "includeUnknownCountriesAndRegions: true\n")
    f.write("---\n".join(docs))
for i in range(0, POLICIES, 10):
    with open(os.path.join(out, "config", "policies", f"bench{i:03d}.yaml"), "w") as f:
        f.write("---\n".join(declared[i:i + 10]))
print(f"{POLICIES} policies ({CHANGED} changed in the configuration) over {USERS} users in {GROUPS} groups, "
      f"{len(roles)} roles, {len(apps)} applications, {len(locations)} named locations")
